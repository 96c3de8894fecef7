// Package msg is the pure MSSanté message format: it builds the messages Comptoir sends and
// reads the ones it receives. It never dials, logs or touches the disk; the engine (package
// mail), the sandbox and the app all share it.
//
// Contract:
//   - Build(Draft, BuildOptions) writes an RFC 5322/MIME message following the MSSanté rules
//     (Référentiel #2): X-MSS-NIL on every message; X-MSS-CODECDA and X-MSS-INS only when CDA
//     documents travel in an IHE_XDM.ZIP; X-MSS-MES: FIN to a patient when no reply is wanted;
//     the XDM/1.0/DDM+ subject and PDF copies of the documents; UTF-8 quoted-printable text,
//     RFC 2047 subjects and names, RFC 2231 attachment names. Refusals are sentinel errors
//     (ErrNoRecipient, ErrSeveralPatients, ErrTooLargeForPatient...); what the user must
//     confirm comes back as Built.Warnings. A DSN request (RFC 3461) is not a header: it comes
//     back in Built.DSN for the SMTP layer.
//   - Parse(raw) never panics: it decodes headers and charsets, picks the text (HTML reduced to
//     sanitised text, nothing fetched), indexes attachments (OpenAttachment streams one part),
//     recognises patients, XDM archives, X-MSS-* headers, read-receipt requests, and DSN/MDN
//     reports with what links them to the original message.
//   - Reply, Forward and BuildMDN build the answers; UserMessage turns any error of this package
//     into a French sentence for the user.
//
// Message ids are handled without angle brackets everywhere in this API. Every function is
// safe for concurrent use: the package holds no mutable state.
package msg
