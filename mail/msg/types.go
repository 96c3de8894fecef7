package msg

import (
	"strings"
	"time"

	"comptoir/mail/xdm"
)

// PatientDomain is the domain of patients' mailboxes (Mon Espace Santé): <INS>@PatientDomain.
const PatientDomain = "patient.mssante.fr"

// DefaultPatientLimit is the largest encoded message Mon Espace Santé accepts ("25 Mo"); the
// decimal reading is the safe one.
const DefaultPatientLimit = 25_000_000

// Address is a mailbox with an optional display name.
type Address struct {
	Name, Email string
}

// Domain returns the lower-cased domain of the address ("" when there is none).
func (a Address) Domain() string {
	i := strings.LastIndexByte(a.Email, '@')
	if i < 0 {
		return ""
	}
	return strings.ToLower(a.Email[i+1:])
}

// IsPatient reports whether the address is a patient's (Mon Espace Santé) mailbox.
func (a Address) IsPatient() bool { return a.Domain() == PatientDomain }

// Attachment is a file attached to a draft.
type Attachment struct {
	Name, ContentType string
	Data              []byte
}

// PatientInfo describes the patient documents are about; it feeds the subject, the PDF names
// and X-MSS-INS.
type PatientInfo struct {
	INS        string // 15 characters (NIR + key)
	Qualified  bool   // the INS was qualified (checked against the national service)
	Family     string // birth name
	Given      string // first given name
	BirthDate  time.Time
	Sex        string // "M" or "F" (administrativeGenderCode, PID-8)
	FileNumber string // the pharmacy's file number ("n° dossier"), used in PDF names
}

// Draft is a message the user composed.
type Draft struct {
	From            Address // the BAL address and its display name (see FromDisplayName)
	To, Cc, Bcc     []Address
	Subject, Text   string
	Attachments     []Attachment
	InReplyTo       string   // message id, without angle brackets
	References      []string // message ids, oldest first
	RequestDSN      bool     // delivery status notification (RFC 3461) wanted
	RequestMDN      bool     // read receipt (Disposition-Notification-To) wanted
	NoReplyExpected bool     // X-MSS-MES: FIN, on messages to a patient
	Documents       *xdm.Package
	Patient         *PatientInfo
}

// BuildOptions are the sending context.
type BuildOptions struct {
	NIL          string     // X-MSS-NIL value: "Comptoir/<version>" ("": DefaultNIL)
	Now          time.Time  // Date header (zero: time.Now)
	PatientLimit int64      // size limit to patients (0: DefaultPatientLimit)
	Trust        *TrustList // trust-space list; nil adds a WarnNoTrustList warning
}

// DSNRequest is the RFC 3461 request the SMTP layer passes as MAIL FROM / RCPT TO parameters.
type DSNRequest struct {
	Notify     []string // RCPT NOTIFY=, e.g. SUCCESS, FAILURE, DELAY
	Return     string   // MAIL RET=: HDRS
	EnvelopeID string   // MAIL ENVID= (xtext-safe: the message id)
}

// WarningKind says what the user must confirm before sending.
type WarningKind int

const (
	// WarnOutsideTrust: some recipients are outside the MSSanté trust space.
	WarnOutsideTrust WarningKind = iota + 1
	// WarnNoTrustList: the trust-space list is not available, recipients were not checked.
	WarnNoTrustList
	// WarnINSNotQualified: CDA documents travel with X-MSS-INS: N (the patient's INS is not
	// qualified, or the documents' patient id is not a valid INS).
	WarnINSNotQualified
	// WarnPatientsSeeEachOther: several patients in To/Cc would see each other's address (INS).
	WarnPatientsSeeEachOther
	// WarnInvalidINS: a patient address does not hold a valid INS (wrong key, length...).
	WarnInvalidINS
	// WarnUnreadableXDM: an attached IHE_XDM.ZIP cannot be read; it travels as a plain file.
	WarnUnreadableXDM
)

// DefaultNIL is the X-MSS-NIL value used when BuildOptions.NIL is empty: the header is on
// every message.
const DefaultNIL = "Comptoir/dev"

// Warning is a condition the UI shows and asks the user to confirm.
type Warning struct {
	Kind      WarningKind
	Addresses []string // the addresses concerned, if any
	Message   string   // French, for the user
}

// Built is a message ready for submission.
type Built struct {
	Raw        []byte
	MessageID  string   // without angle brackets
	From       string   // envelope sender (MAIL FROM); "" means the null sender <>
	Recipients []string // envelope recipients (To, Cc, Bcc), deduplicated
	Warnings   []Warning
	DSN        *DSNRequest // nil when no DSN was requested
}
