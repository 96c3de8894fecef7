// Package mail is Comptoir's MSSanté mail engine: the connection to the operator, the
// synchronisation of the BALs into the local store, the outbox and submission, and the
// audit journal. The message formats themselves live in mail/msg (pure, no network).
//
// Connection: IMAP with STARTTLS (or implicit TLS) and SMTP submission with STARTTLS, TLS
// 1.2 at least and at most what the card can sign (a CPS3 has no RSA-PSS: TLS 1.2), the
// card's certificate offered through GetClientCertificate. The server is checked by the
// session's servertrust.Verifier (Operator.Trust, built once by OperatorConfig.Resolve and
// shared with the provisioning client): the roots of the configured IGC-Santé trust store
// (PEM, DER, PKCS#7, the Cryptolib's Coffre directory), the host name, serverAuth, an
// ORGANISATIONS issuer and a current CRL for every certificate of the chain — no CRL, no
// connection. No session resumption: every connection signs with the card, so a pulled card
// logs out. Authentication is SASL EXTERNAL with the BAL address as authorization identity,
// never before TLS. With a Pro Santé Connect login (Credentials.Token, EngineConfig.Token: a
// TokenSource such as mail/psc.Session) no certificate is offered and the connection
// authenticates with XOAUTH2 (Réf. #2) or OAUTHBEARER (RFC 7628), the BAL as
// user/authorization identity, again only after TLS; a refused token is ErrTokenRefused (the
// source is told, to refresh), and connections come back by themselves while the source
// gives tokens. Operator endpoints come from config.json or from DNS SRV (RFC 6186): an SRV
// target must lie in the domain unless the configuration lists it (Hosts), and the
// certificate is checked against the domain, never against a name read from DNS.
// UserMessage turns the connection errors into French.
//
// Engine: one worker goroutine and one long-lived IMAP connection per BAL. A pass lists the
// folders (SPECIAL-USE), pushes local changes (flags, deletions), submits the outbox, then
// brings each folder up to date: UIDVALIDITY, new messages by UID with pipelined UID FETCH
// batches (bodies of all of INBOX, elsewhere within an age and size policy), flags changed
// since the last pass (CONDSTORE CHANGEDSINCE, or all flags compared with the store), and
// expunges (server UIDs listed when the counts differ; go-imap v2 beta.8 has no QRESYNC).
// Bodies up to 1 MiB are buffered and parsed off the connection's goroutine; larger ones
// are streamed into the store as their literal arrives. Between passes the worker IDLEs on
// INBOX.
//
// Limits (limits.go): a hostile or broken operator cannot make the client hold more than
// some tens of megabytes. A message above 64 MiB is refused unread (ErrServerTooLarge: the
// connection is dropped, UserMessage explains it in French); body data nobody asked for
// (unsolicited FETCH, BODY[] in answer to a metadata FETCH) is read through and dropped. Errors become Offline events and the worker
// reconnects with exponential backoff; nothing escapes to crash the application.
//
// Local changes (flags, deletions, archiving, appended journal entries) are shown in the store
// at once and kept in its settings until pushed; a flag change is sent as +FLAGS/-FLAGS of what
// changed, never as a replacement, so that the counters sharing a BAL keep each other's keywords.
//
// Sending: a message is built (msg.Build), stored durably in the outbox, submitted (DSN
// parameters when asked), filed in Sent by APPEND unless the operator does it, then acked.
// An attempt whose outcome is unknown (the process stopped while the server answered) is
// looked up by Message-ID in Sent before any resubmission. After the APPEND the Sent folder is
// synchronised, so the message is in the store when Sent is emitted. An item can be taken out of
// the outbox (CancelOutbox) until the worker claims it for submission.
//
// Every mailbox action is written to the store's audit journal with its author, the request
// and the server's own response (the SMTP reply text, the IMAP tagged status line; the error
// when there is none), never message contents. A read receipt's submission is journalled as
// "mdn" (the only null-sender submission).
package mail
