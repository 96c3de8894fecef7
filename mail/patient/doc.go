// Package patient holds the rules about patients that Comptoir applies at the counter.
// It is pure logic: no network, no GUI, no storage, so the client and the sandbox
// operator can share it.
//
// Contract:
//   - ParseINS validates an INS (the 15-character NIR with its 2-digit key; Corsican
//     departments 2A/2B count as 19/18 for the key). Each defect has its own sentinel
//     error (ErrLength, ErrCharacters, ErrSex, ErrMonth, ErrKey) and UserMessage turns any
//     of them into a French sentence for the screen.
//   - Address builds `<INS>@patient.mssante.fr` only for a qualified INS whose birth date
//     and sex match the NIR (Référentiel MSSanté #2, ECO.2.2.6); ParseAddress reads the INS
//     back from such an address.
//   - Patient is the patient as the app handles it; Record mirrors store.Patient field for
//     field, so `store.Patient(p.Record())` and `patient.FromRecord(patient.Record(sp))`
//     convert without this package importing store.
//   - OriginEstablished says whether a delivered message comes from Mon Espace Santé for its
//     From address, on the word of the configured operator only: the topmost
//     Authentication-Results field, with the operator's domain as authserv-id, holding
//     "mss-patient=pass" (OriginMethod) with header.from equal to that address (RFC 8601).
//     The client creates patient records from such messages only.
//   - ExplainBounce explains a Mon Espace Santé delivery failure (DSN status and
//     diagnostic) in plain French.
//   - Templates are the editable reply templates (DefaultTemplates, JSON for settings).
//
// The incentive indicator lives in app/indicator.
package patient
