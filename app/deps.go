package app

import (
	"context"
	"errors"
	"image"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"comptoir/app/config"
	"comptoir/app/printing"
	"comptoir/mail"
	"comptoir/mail/msg"
	"comptoir/mail/xdm"
)

// Deps is everything the UI drives. Only Cards is required; the others have safe defaults.
type Deps struct {
	Cards     Cards       // readers, card events, login
	PSC       PSC         // e-CPS and browser logins (Pro Santé Connect); nil: not configured
	Settings  Settings    // persisted configuration; nil keeps it in memory
	Doctor    Doctor      // "Tester la connexion"; nil hides the button
	Directory Directory   // extra recipients for autocomplete (the Annuaire Santé); may be nil
	Demo      *Demo       // demo-mode controls; nil outside demo mode
	PDF       PDFRenderer // renders PDF pages for the preview; nil: "Ouvrir" only
	// Printing lists the printers and prints (« Imprimer »); nil: the workstation's
	// (printing.Default: CUPS, or the Windows shell).
	Printing printing.System
	// Provisioning creates BALs and manages the ORG BAL's roles (wizard_deps.go); nil hides them.
	Provisioning Provisioning
	Version      string

	// Do runs f on the UI goroutine; fyne.Do when nil. Tests pass a queue they drain.
	Do func(f func())
	// OpenURL opens a file or link with the system's handler; the fyne.App's when nil.
	OpenURL func(u *url.URL) error
	// TempDir receives files opened with the system viewer; os.TempDir() when empty.
	TempDir string
	Now     func() time.Time
	Logger  *slog.Logger
}

// Cards is the card layer (package cps behind an adapter).
type Cards interface {
	Readers(ctx context.Context) ([]Reader, error)
	// Watch reports insertions and removals until ctx ends.
	Watch(ctx context.Context) <-chan CardEvent
	// Login logs the card in with pin (the caller wipes pin) and opens the holder's session:
	// the cache and the mail engine. Errors: a *PINError, ErrNoCard, or another error.
	Login(ctx context.Context, slot uint, pin []byte) (Session, error)
}

// Reader is one card reader (a PKCS#11 slot).
type Reader struct {
	Slot        uint
	Description string
	CardPresent bool
	Label       string // the card's token label when present
}

// CardEvent is a card inserted into or pulled from a reader.
type CardEvent struct {
	Inserted bool
	Reader   Reader
}

// ErrNoCard: no card in the chosen reader.
var ErrNoCard = errors.New("app: no card in the reader")

// PINError is a refused PIN with what the card says about the tries left. Err is the card
// layer's error (its French text: cps.UserMessage, given in Message).
type PINError struct {
	Locked   bool // no try left: the card is blocked
	FinalTry bool // one try left
	CountLow bool // fewer tries than the maximum
	Message  string
	Err      error
}

func (e *PINError) Unwrap() error { return e.Err }

func (e *PINError) Error() string {
	if e.Locked {
		return "app: PIN locked"
	}
	return "app: PIN incorrect"
}

// Holder is the card holder.
type Holder struct {
	Title, GivenName, Surname string
	Profession                string
	NationalID                string // "8" + RPPS or "0" + ADELI
	IDType                    string // "RPPS" or "ADELI"
	Situations                []string
	Situation                 int // the chosen one (its entity signs the personal BAL's mail)
	// PSC: logged in with Pro Santé Connect (e-CPS or browser), without the card: BAL
	// creation and roles need the card.
	PSC bool
}

// SituationChooser is optionally implemented by a Session whose holder may work in several
// practice situations: the holder screen lets them choose.
type SituationChooser interface{ SetSituation(i int) }

// BAL kinds.
const (
	KindPER = "PER"
	KindORG = "ORG"
	KindAPP = "APP"
)

// BAL is a mailbox the holder may open, and its state.
type BAL struct {
	Address, Kind, DisplayName, Role string
	State                            BALState
	ActiveAt                         time.Time // pending: when the operator expects to activate it
}

// BALState says whether a BAL can be used now.
type BALState int

const (
	BALActive           BALState = iota
	BALPending                   // waiting for the ANS's validation
	BALRetired                   // the operator no longer lists it: its mail is kept until confirmed
	BALNeedsCertificate          // an APP BAL, opened only with its structure's certificate
)

// Folder is one folder of a BAL with its counts.
type Folder struct {
	Name, SpecialUse string // SpecialUse: `\Sent`, `\Drafts`, `\Trash`… ; "" and INBOX for the inbox
	Total, Unread    int
}

// Ref names one message.
type Ref struct {
	BAL, Folder string
	UID         uint32
}

// Address is a mail address with its display name.
type Address struct{ Name, Email string }

// String is how an address shows, in the reader and in the composer's fields: the display
// name made readable (msg.ReadableName: "Dr Antoine FAUVEL — Cabinet du Dr Fauvel", not the
// ECO.2.2.7 wire form), then the address. The name loses the characters that would split or
// end it in an address field.
func (a Address) String() string {
	name := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`,;<>"`, r) {
			return ' '
		}
		return r
	}, msg.ReadableName(a.Name))
	if name = strings.Join(strings.Fields(name), " "); name == "" {
		return a.Email
	}
	return name + " <" + a.Email + ">"
}

// Person is the name alone, made readable, or the address when there is no name.
func (a Address) Person() string {
	if n := msg.ReadableName(a.Name); n != "" {
		return n
	}
	return a.Email
}

// Attachment describes one attachment.
type Attachment struct {
	Name, ContentType string
	Size              int64
}

// Patient identifies the patient a message is about.
type Patient struct {
	INS  string // the INS, only when the identifier is one (INS OID or patient address, valid key)
	Name string
	// ID is the identifier as found and IDLabel its French name: « INS », « INS (test) »… or
	// « identifiant local » (an IPP under a hospital's OID, a wrong key). Both "" when unknown.
	ID, IDLabel string
}

// Envelope is one row of the message list.
type Envelope struct {
	Ref
	MessageID string
	Date      time.Time
	From      Address
	To, Cc    []Address
	Subject   string // raw; the list shows DisplaySubject
	Seen      bool
	Answered  bool // \Answered: a reply was sent
	Forwarded bool // $Forwarded
	// Handled: marked « traité » at a counter of the BAL (HandledBy and HandledAt say who
	// and when, when the BAL's journal tells).
	Handled      bool
	HandledBy    string
	HandledAt    time.Time
	Attachments  []Attachment
	Patient      *Patient
	Kind         string // "", "patient", "xdm", "dsn", "mdn"
	MDNRequested bool
	Preview      string
}

// Part is an attachment and its content: in memory (Data: a draft's attachment, an XDM
// document), or in the cache (Source: a received message's attachment, read only when the
// user previews, opens or saves it).
type Part struct {
	Attachment
	Data   []byte
	Source PartSource // when set, the content is read from it, Data is nil
	// Sniff is what the content is, told by SniffPart when the message was read; a part
	// without one is sniffed from Data.
	Sniff Sniff
}

// Document is one document of an XDM package (a CDA level 1 shows as its embedded PDF).
type Document struct {
	Title, ContentType string
	Date               time.Time
	Data               []byte
	FileName           string   // a safe name to save it under
	Kind               xdm.Kind // a DICOM object (KOS) is imaging that can only be saved
	Problem            string   // French: damaged, or its size or hash differs from the metadata's; "" when intact
	Damaged            bool     // it could not be read from the archive: no Data, nothing to show or save
	Sniff              Sniff    // what Data is (SniffPart), told when the message was read
}

// Message is a message opened in the reader.
type Message struct {
	Envelope
	Text      string
	Parts     []Part
	Documents []Document // XDM: documents of one patient
	// Signatures are the XDM package's signature entries: saved, never shown as documents
	// (Comptoir does not verify them).
	Signatures []Document
	// DocumentsError says in French why the IHE_XDM.ZIP could not be read; the archive is
	// then among Parts, to be saved.
	DocumentsError string
	AskMDN         bool   // a read receipt is requested and not sent yet
	ReportLabel    string // DSN/MDN: what the report says, in French
	Defects        int    // parts or header fields that could not be read (malformed MIME)
}

// Draft is a message being composed.
type Draft struct {
	From            Address
	To, Cc          []Address
	Subject, Text   string
	Parts           []Part
	InReplyTo       string
	References      []string
	RequestDSN      bool
	RequestMDN      bool
	NoReplyExpected bool // X-MSS-MES: FIN to a patient
	// Documents and Patient are the health documents (IHE XDM, CDA) a reply or a forward
	// carries on, and the patient they are about.
	Documents *xdm.Package
	Patient   *msg.PatientInfo
	// DraftID names the saved draft this is: SaveDraft replaces that draft, Send forgets it.
	// The composer gives one to every message it opens.
	DraftID string
	// Answers and Forwards name the message a reply or a forward is made from: once sent,
	// that message shows « répondu » or « transféré » (\Answered, $Forwarded).
	Answers, Forwards *Ref
}

// Session is a logged-in card: its cache and mail engine. Close stops the workers, wipes the
// cache keys and logs the card out.
type Session interface {
	Holder() Holder
	BALs() []BAL
	Events() <-chan mail.Event
	Removed() <-chan struct{} // closed when the card is pulled
	Mailbox
	Sender
	Close() error
}

// Mailbox reads the local cache.
type Mailbox interface {
	Folders(bal string) ([]Folder, error)
	Counts(bal, folder string) (total, unread int, err error)
	Page(bal, folder string, offset, limit int) ([]Envelope, error) // newest first
	Search(bal, text string) ([]Envelope, error)
	// Open reads a message for the reader, walking it once; it blocks, and stops when ctx
	// ends. Its attachments' content is not read: each Part has a Source and a Sniff. early,
	// when set, is called once (on Open's goroutine) with the message as read so far when
	// it has more than ManyParts attachments, before it is read to its end: headers, text,
	// attachments so far (no documents, defects or report yet).
	Open(ctx context.Context, ref Ref, early func(*Message)) (*Message, error)
	MarkRead(ref Ref) error
	SendMDN(ref Ref) error
	Correspondents(prefix string, limit int) []Address
}

// Sender composes and sends.
type Sender interface {
	ReplyDraft(ref Ref, all bool) (Draft, error)
	ForwardDraft(ref Ref) (Draft, error)
	// OutsideTrust returns the addresses outside the MSSanté trust space.
	OutsideTrust(addrs []string) []string
	// Send queues d durably and submits it when online; it returns once queued.
	Send(ctx context.Context, d Draft) (id string, err error)
	SaveDraft(d Draft) error
	OutboxCount() int
	SyncNow(bal string)
}

// DraftStore is optionally implemented by a Session: "Nouveau message" reopens the draft
// saved for the BAL (SaveDraft keeps one per BAL; Send forgets it).
type DraftStore interface {
	Draft(bal string) (Draft, bool)
}

// Deleter is optionally implemented by a Session: « Supprimer » (the Suppr key) moves a
// message to its BAL's trash, at once in the cache and on the server when online.
type Deleter interface {
	Delete(ref Ref) error
}

// Settings is the configuration file (app/config): config.Files on a workstation,
// config.Memory in demo mode and tests. LoadLayers tells which keys the workstation's
// machine file locks.
type Settings interface {
	Load() (config.Config, error)
	Save(config.Config) error
	LoadLayers() (config.Layered, error)
}

// DefaultAutoLock is the inactivity delay before the UI locks.
const DefaultAutoLock = 5 * time.Minute

// Doctor runs the diagnostic of "comptoir doctor" (« Tester la connexion »), on the saved
// configuration (never a form not saved yet) and the open session s (nil when none).
type Doctor interface {
	Check(ctx context.Context, saved Settings, s Session) []Check
}

// Check is one diagnostic step's outcome (Name, Detail and Fix in French).
type Check struct {
	Name, Detail, Fix string
	OK, Warning       bool
}

// Directory suggests recipients (the Annuaire Santé).
type Directory interface {
	Suggest(ctx context.Context, prefix string, limit int) []Address
}

// PDFRenderer renders one page of a PDF document (page counts from 0).
type PDFRenderer interface {
	RenderPage(ctx context.Context, pdf []byte, page int, dpi float64) (img image.Image, pages int, err error)
}

// Demo holds the demo-mode controls shown in the "Démonstration" menu.
type Demo struct {
	PIN        string
	PullCard   func()
	InsertCard func()
	SetNetwork func(up bool)
	// ApproveECPS and DenyECPS play the professional answering the pending e-CPS request on
	// their phone; EndPSC ends their Pro Santé Connect sessions (the next refresh is refused).
	// nil hides them.
	ApproveECPS, DenyECPS, EndPSC func()
}
