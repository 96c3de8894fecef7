package app

import (
	"context"
	"errors"
	"time"
)

// Provisioning is the operator's provisioning API (BAL creation, roles on the ORG BAL) and
// the directory data the wizard needs, on behalf of a logged-in card. Deps.Provisioning nil
// hides the entries of the "Boîtes aux lettres" menu.
type Provisioning interface {
	// Open gives the provisioning access of session s: its card signs, one operator
	// connection is kept alive (each new TLS handshake costs a card signature). Close it.
	Open(s Session) (Provisioner, error)
}

// Provisioner acts at the operator with one session's card.
type Provisioner interface {
	Card() CardData // what the logged-in card holds (identity, practice situations)
	Domain() string // the operator's mail domain
	CGU(ctx context.Context) (CGU, error)
	// Structure finds a structure's postal address by FINESS in the directory data;
	// found is false when the imported directory does not list it.
	Structure(ctx context.Context, finess string) (s Structure, found bool, err error)
	// Eligible says, with the operator's own rules, whether the holder may ask for a BAL of
	// kind in their situation (an index into Card().Situations); APP BALs are checked against
	// the last BALs() answer. Errors are balrules' (balrules.UserMessage).
	Eligible(kind string, situation int) error
	// Address is the address the rules give the request (st: ORG and APP only).
	Address(kind string, st Structure) (string, error)
	// AppCertificate reads a structure's organisation certificate (.p12) for an APP BAL.
	AppCertificate(p12, password []byte) (AppCertificate, error)
	BALs(ctx context.Context) ([]BALStatus, error) // pending ones included
	// Create sends the request signed with the card's signature key; the BAL comes back
	// pending. Refusals are *OperatorError.
	Create(ctx context.Context, r CreateRequest) (BALStatus, error)
	Members(ctx context.Context, address string) (Members, error)
	SetMember(ctx context.Context, address, nationalID, role, name string) error
	RemoveMember(ctx context.Context, address, nationalID string) error
	// FindPeople searches the directory for professionals (adding a member).
	FindPeople(ctx context.Context, query string, limit int) ([]Person, error)
	Close()
}

// AddressChecker is optionally implemented by a Provisioner: the operator checks a request
// before it is signed, so that a taken address or an existing BAL is told at the step where
// the address is chosen. Check returns the address the BAL would get; refusals are
// *OperatorError (CodeAddressTaken with its Suggestion, CodeAlreadyExists…), and
// ErrCheckUnsupported when the operator has no such check (the request is checked when sent).
type AddressChecker interface {
	Check(ctx context.Context, r CreateRequest) (address string, err error)
}

// ErrCheckUnsupported: the operator cannot check a request before it is signed.
var ErrCheckUnsupported = errors.New("app: the operator cannot check a request beforehand")

// CardData is the card holder and their practice situations.
type CardData struct {
	Label              string
	NationalID, IDType string // "8…"/"RPPS" or "0…"/"ADELI"
	GivenName, Surname string
	Profession         string
	Situations         []CardSituation
}

// CardSituation is one practice situation read from the card.
type CardSituation struct {
	StructureName   string
	StructureIDType int
	StructureID     string
	FINESS          string // when the structure id is a FINESS
	Sector          string
}

// CGU is the operator's current terms of use.
type CGU struct{ Version, Title, Text string }

// Structure is a health structure's identity and postal address; Sector is the card's
// situation's secteur d'activité (SA33: a pharmacy), which the operator checks too.
type Structure struct{ FINESS, Name, Street, PostalCode, Town, Sector string }

// AppCertificate is an organisation certificate, as an APP BAL request carries it.
type AppCertificate struct {
	PEM          string // leaf then intermediate
	StructureID  string
	FINESS       string
	Organisation string
}

// CreateRequest is what the wizard asks the operator for.
type CreateRequest struct {
	Kind, CGUVersion string
	Address          string // "" lets the operator apply its rule
	DisplayName      string
	Structure        *Structure
	AppCertificate   string // PEM, APP only
	ListeRouge       bool
}

// BAL states at the operator.
const (
	StatusPending = "pending"
	StatusActive  = "active"
)

// BALStatus is a BAL as the operator lists it.
type BALStatus struct {
	BAL
	Status    string
	ActiveAt  time.Time
	Structure *Structure
}

// Roles on an ORG BAL.
const (
	RoleAdmin   = "Administrateur"
	RoleManager = "Gestionnaire"
	RoleUser    = "Utilisateur"
)

// Members is who has a role on an ORG BAL and what the caller may do.
type Members struct {
	CallerRole string
	Grantable  []string // roles the caller may give to a new member
	Members    []Member
}

// Member is one person with a role, and what the caller may do to them.
type Member struct {
	NationalID, Name, Role string
	Since                  time.Time // zero when the operator does not say
	AllowedRoles           []string  // roles the caller may set (may hold only the current one)
	MayRemove              bool
	Reason                 string // French, why something is not allowed
}

// Person is a professional found in the directory.
type Person struct{ NationalID, Name, Profession, Town string }

// Operator error codes the screens act on.
const (
	CodeAddressTaken   = "address_taken"
	CodeAlreadyExists  = "already_exists"
	CodeCGUOutdated    = "cgu_outdated"
	CodeInvalidAddress = "invalid_address"
	CodeInvalidRequest = "invalid_request"
	CodeBadSignature   = "bad_signature"
	CodeSignerMismatch = "signer_mismatch"
	CodeStaleRequest   = "stale_request"
	CodeCertRequired   = "certificate_required"
	CodeLastAdmin      = "last_admin"
	CodeNotPharmacist  = "not_pharmacist" // the operator's own check of balrules.CheckORG
	CodeAdminOnly      = "admin_only"     // APP BAL: the caller is no Administrateur of the ORG BAL
)

// OperatorError is a refusal by the operator: a code and a French message.
type OperatorError struct{ Code, Message, Suggestion string }

func (e *OperatorError) Error() string { return "app: operator refused: " + e.Code }
