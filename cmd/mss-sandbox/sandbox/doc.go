// Package sandbox is a complete local MSSanté operator for demos and tests, running on loopback
// in-process (Start) or stand-alone (cmd/mss-sandbox):
//
//   - IMAP (STARTTLS port and implicit-TLS port): a client certificate, when sent, must chain
//     to the test IGC-Santé PERSONNES or ORGANISATIONS CA and is checked against the current
//     CRLs; SASL EXTERNAL requires one, takes the identity from it (its national id) and the
//     authorization identity as the BAL to open (NO [AUTHORIZATIONFAILED] without a right).
//     XOAUTH2 and OAUTHBEARER (after TLS only) take the identity from a Pro Santé Connect
//     access token instead (signature, issuer, expiry, audience PSCClientID), with the same
//     rights.
//     SPECIAL-USE folders (Sent, Drafts, Trash), IDLE, UIDPLUS, MOVE. CONDSTORE/QRESYNC are not
//     offered: go-imap v2.0.0-beta.8's server has no support for them.
//   - SMTP submission (STARTTLS, then EXTERNAL, XOAUTH2 or OAUTHBEARER): the sender (MAIL
//     FROM, and the From and Sender header fields of every message) must be a BAL the holder
//     may open (else 553 5.7.1), recipients outside the trust space are refused at RCPT; on
//     delivery an Authentication-Results field with the sandbox's domain as authserv-id is
//     added on top, and fields claiming that authserv-id are removed (authresults.go); local
//     delivery, DSN
//     (RFC 3464) bounces for unknown recipients and oversize, and patient.mssante.fr simulated
//     as Mon Espace Santé (size limit, unknown INS bounced, automatic patient replies unless
//     X-MSS-MES: FIN).
//   - the provisioning API (HTTPS, mutual TLS, JSON; docs/provisioning-api.md; client in
//     mail/provisioning): signed BAL creation, pending → active after Options.ValidationDelay,
//     address rules and homonyms, roles on ORG BALs.
//   - a Pro Santé Connect stand-in (package psc: discovery at PSC's path, code+PKCE with an
//     approval page, CIBA poll mode approved through Server.PSC(), refresh, 2-minute access
//     tokens) and the intermediate server in front of it (package pscgateway,
//     docs/psc-gateway-api.md), each on its own HTTPS port;
//   - published files generated from the state: the trust-space list (listeblanchemssante.xml)
//     and the directory extraction (Extraction_Correspondance_MSSante, 31 columns).
//   - the test PKI's CRLs over plain HTTP (CRLURL), as the IGC-Santé publishes its own: the
//     server certificate and its intermediate name them as CRL distribution points, so a
//     client checks the revocation of the whole server chain.
//
// State (BALs, roles, patients, every message and flag) lives in Options.DataDir and survives
// a restart. The package never imports the client's sync code.
package sandbox
