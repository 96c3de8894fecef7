// Package sandbox is a complete local MSSanté operator for demos and tests, running on loopback
// in-process (Start) or stand-alone (cmd/mss-sandbox):
//
//   - IMAP (STARTTLS port and implicit-TLS port): a client certificate chaining to the test
//     IGC-Santé PERSONNES or ORGANISATIONS CA is required and checked against the current CRLs;
//     SASL EXTERNAL takes the identity from the certificate (its national id) and the
//     authorization identity as the BAL to open (NO [AUTHORIZATIONFAILED] without a right).
//     SPECIAL-USE folders (Sent, Drafts, Trash), IDLE, UIDPLUS, MOVE. CONDSTORE/QRESYNC are not
//     offered: go-imap v2.0.0-beta.8's server has no support for them.
//   - SMTP submission (STARTTLS + EXTERNAL): the sender must be a BAL the certificate may open
//     (else 553), recipients outside the trust space are refused at RCPT, local delivery, DSN
//     (RFC 3464) bounces for unknown recipients and oversize, and patient.mssante.fr simulated
//     as Mon Espace Santé (size limit, unknown INS bounced, automatic patient replies unless
//     X-MSS-MES: FIN).
//   - the provisioning API (HTTPS, mutual TLS, JSON; docs/provisioning-api.md; client in
//     mail/provisioning): signed BAL creation, pending → active after Options.ValidationDelay,
//     address rules and homonyms, roles on ORG BALs.
//   - published files generated from the state: the trust-space list (listeblanchemssante.xml)
//     and the directory extraction (Extraction_Correspondance_MSSante, 31 columns).
//   - the test PKI's CRLs over plain HTTP (CRLURL), as the IGC-Santé publishes its own: the
//     server certificate and its intermediate name them as CRL distribution points, so a
//     client checks the revocation of the whole server chain.
//
// State (BALs, roles, patients, every message and flag) lives in Options.DataDir and survives
// a restart. The package never imports the client's sync code.
package sandbox
