package store

import "time"

// Ref names one message: a UID inside a folder of a BAL.
type Ref struct {
	BAL, Folder string
	UID         uint32
}

// BAL is a mailbox (boîte aux lettres) the card holder can use.
type BAL struct {
	Address     string
	Kind        string // PER, ORG or APP
	DisplayName string
	Role        string // Administrateur, Gestionnaire, Utilisateur or ""
	Status      string
}

// Folder is an IMAP folder of a BAL with its synchronisation state.
type Folder struct {
	BAL, Name, SpecialUse string
	UIDValidity, UIDNext  uint32
	HighestModSeq         uint64
}

// Envelope is what the folder list shows of a message, plus what search needs.
type Envelope struct {
	Ref
	MessageID, InReplyTo string
	References           []string
	Date                 time.Time
	From                 Address
	To, Cc               []Address
	Subject              string
	Flags                []string
	Size                 int64
	Attachments          []Attachment
	Patient              *PatientRef
	Kind                 string // "", "patient", "xdm", "dsn", "mdn"
	MDNRequested         bool
	Confidential         bool
	Preview              string
	// Text is the body text: indexed for search and returned by Envelope, never by Page.
	Text string
}

// Address is a mail address with its display name.
type Address struct{ Name, Email string }

// Attachment describes one attached file; the data stays in the raw body.
type Attachment struct {
	Name, ContentType string
	Size              int64
}

// PatientRef links a message to a patient (INS and display name).
type PatientRef struct{ INS, Name string }

// Message is an envelope with its optional raw RFC 5322 body.
type Message struct {
	Envelope Envelope
	Body     []byte
}

// OutboxItem is a message waiting to be submitted, durable before any network use.
type OutboxItem struct {
	ID, BAL, MessageID string
	From               string
	To                 []string
	Raw                []byte
	Queued             time.Time
	Submitted          bool
	Attempts           int
	LastError          string
}

// AuditEntry is one line of the audit journal (who did what, with which result).
type AuditEntry struct {
	Time                                   time.Time
	Author, BAL, Action, Request, Response string
	OK                                     bool
}

// AuditFilter selects audit entries; zero fields match everything.
type AuditFilter struct {
	From, To            time.Time // inclusive From, exclusive To
	Author, BAL, Action string
	Limit               int // newest first; 0 means 1000
}

// Patient is a patient record. Its fields mirror mail/patient.Record field for field
// (same names, types and order): never add or reorder fields here alone.
type Patient struct {
	INS, BirthName, FirstNames string
	BirthDate                  time.Time
	Sex                        string
	Qualified                  bool
	Created                    time.Time
	// Unconfirmed: created by the mail engine from a message whose Mon Espace Santé origin
	// the operator vouched for, and not yet confirmed by the pharmacist (shown « non
	// vérifié »). False for records typed or saved by hand, and for records stored before
	// the field existed (JSON: absent reads as false).
	Unconfirmed bool `json:",omitempty"`
}

// Query is a full-text search. Words are folded (case, accents, ligatures); every word must
// match; the last word also matches as a prefix of a word of the subject, sender, attachment
// names or patient name (search as you type) unless the text ends with a space.
type Query struct {
	Text        string
	BAL, Folder string // optional scope
	Limit       int    // newest first; 0 means 200
}
