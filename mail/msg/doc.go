// Package msg is the pure MSSanté message format: it builds the messages Comptoir sends and
// reads the ones it receives. It never dials, logs or touches the disk; the engine (package
// mail), the sandbox and the app all share it.
//
// Contract:
//   - Build(Draft, BuildOptions) writes an RFC 5322/MIME message following the MSSanté rules
//     (Référentiel #2): X-MSS-NIL on every message; X-MSS-CODECDA (each CDA's own code) and
//     X-MSS-INS (O only from the sender's own check: INS OID, valid key, Patient.Qualified)
//     only when CDA documents travel in an IHE_XDM.ZIP; X-MSS-MES: FIN to a patient when no
//     reply is wanted; the XDM/1.0/DDM+ subject and PDF copies of the documents (ECO.2.1.6
//     names); UTF-8 quoted-printable text, RFC 2047 subjects and names, RFC 2231 attachment
//     names. An IHE_XDM.ZIP among the attachments is read when Draft.Documents is nil, so
//     the fields describe what travels. Refusals are sentinel errors (ErrNoRecipient,
//     ErrSeveralPatients, ErrTooLargeForPatient...); what the user must confirm comes back as
//     Built.Warnings. A DSN request (RFC 3461) is not a header: it comes back in Built.DSN
//     for the SMTP layer.
//   - Draft.AddHealthDocuments wraps PDFs of an xdm.PharmacyDocTypes type into CDA R2 level 1
//     documents for a patient with a valid INS, as the composer's « Joindre un document de
//     santé » needs. SenderName gives the From display name (ECO.2.2.7).
//   - Parse(raw) never panics: it decodes headers and charsets, picks the text (HTML reduced to
//     sanitised text, nothing fetched), indexes attachments (OpenAttachment streams one part),
//     recognises patients (an XDM identifier is an INS only with an INS OID and a valid key),
//     XDM archives (an unreadable one stays among the attachments, XDMError and
//     DocumentsError saying why), X-MSS-* headers, read-receipt requests, and DSN/MDN
//     reports with what links them to the original message.
//   - Reply, Forward and BuildMDN build the answers: Forward keeps the documents and the
//     patient, Reply the patient (never qualified: that is the sender's own check);
//     UserMessage turns any error of this package into a French sentence for the user.
//
// Message ids are handled without angle brackets everywhere in this API. Every function is
// safe for concurrent use: the package holds no mutable state.
package msg
