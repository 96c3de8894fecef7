package provisioning

import "time"

// BAL kinds.
const (
	KindPER = "PER" // personal (one professional)
	KindORG = "ORG" // organisational (shared by a structure's staff)
	KindAPP = "APP" // applicative (the structure's software, organisation certificate)
)

// Roles on an ORG BAL.
const (
	RoleAdmin   = "Administrateur"
	RoleManager = "Gestionnaire"
	RoleUser    = "Utilisateur"
)

// BAL states.
const (
	StatusPending = "pending" // waiting for the ANS validation delay
	StatusActive  = "active"  // usable and published (unless liste rouge)
)

// SignatureAlgorithm is the only algorithm accepted for signed requests.
const SignatureAlgorithm = "RS256"

// Structure describes the health structure behind an ORG or APP BAL.
type Structure struct {
	FINESS     string `json:"finess"`
	Name       string `json:"name"` // raison sociale, e.g. "Pharmacie du Marché"
	Street     string `json:"street,omitempty"`
	PostalCode string `json:"postal_code"`
	City       string `json:"city"`
	// Sector is the "secteur d'activité" of the card's practice situation (TRE_R02, e.g.
	// SA33 pharmacie d'officine): with the name, it tells the operator a pharmacy.
	Sector string `json:"sector,omitempty"`
}

// CreateRequest asks for a new BAL. It is signed by the card holder (see SignedRequest).
type CreateRequest struct {
	Kind       string `json:"kind"`        // PER, ORG or APP
	CGUVersion string `json:"cgu_version"` // the CGU version the user accepted (see CGU)
	HolderID   string `json:"holder_id"`   // national id of the card holder (CN of the card)
	// Address is the full address wanted; empty lets the operator apply its rule
	// (PER prenom.nom@, ORG pharmacie-<nom>-<cp>-<ville>@, APP app-<nom>-<finess>@).
	Address     string     `json:"address,omitempty"`
	DisplayName string     `json:"display_name,omitempty"`
	Structure   *Structure `json:"structure,omitempty"` // ORG and APP
	// AppCertificate is the PEM organisation certificate (leaf first, then its ORGANISATIONS
	// intermediate) that will open an APP BAL.
	AppCertificate string `json:"app_certificate,omitempty"`
	ListeRouge     bool   `json:"liste_rouge,omitempty"` // not published in the directory
	Nonce          string `json:"nonce"`                 // random, refused when replayed
	Time           string `json:"time"`                  // RFC 3339; refused when off by more than 10 min
}

// SignedRequest is the body of POST /v1/bals.
type SignedRequest struct {
	Request     []byte `json:"request"`     // the CreateRequest JSON, base64 on the wire
	Algorithm   string `json:"algorithm"`   // SignatureAlgorithm
	Signature   []byte `json:"signature"`   // over Canonical(Request)
	Certificate []byte `json:"certificate"` // DER signature certificate of the card
}

// BAL is a mailbox as the API shows it to a caller.
type BAL struct {
	Address     string     `json:"address"`
	Kind        string     `json:"kind"`
	Status      string     `json:"status"`
	DisplayName string     `json:"display_name"`
	HolderID    string     `json:"holder_id"`      // titulaire (creator)
	Role        string     `json:"role,omitempty"` // the caller's role on an ORG BAL
	Structure   *Structure `json:"structure,omitempty"`
	ListeRouge  bool       `json:"liste_rouge,omitempty"`
	Created     time.Time  `json:"created"`
	ActiveAt    time.Time  `json:"active_at"` // when validation completes (or completed)
}

// Identity is what the server read from the caller's certificate.
type Identity struct {
	NationalID string `json:"national_id"`
	Surname    string `json:"surname,omitempty"`
	GivenName  string `json:"given_name,omitempty"`
	Profession string `json:"profession,omitempty"`
	// Kind is "person" (PERSONNES CA, a CPS card) or "organisation" (software certificate).
	Kind string `json:"kind"`
}

// CGU is the current version of the terms of use.
type CGU struct {
	Version string `json:"version"`
	Title   string `json:"title"`
	Text    string `json:"text"`
}

// Member is one person with a role on an ORG BAL, with what the caller may do to them.
type Member struct {
	NationalID string    `json:"national_id"`
	Name       string    `json:"name,omitempty"`
	Role       string    `json:"role"`
	Since      time.Time `json:"since,omitzero"` // when the access was granted; zero when unknown
	Allowed    Allowed   `json:"allowed"`
}

// Allowed says what the caller may do to a member, so a client can show disabled choices.
type Allowed struct {
	Roles  []string `json:"roles"`            // roles the caller may set (may include the current one)
	Remove bool     `json:"remove"`           // whether the caller may remove the member
	Reason string   `json:"reason,omitempty"` // French, why something is not allowed
}

// Members is the answer of GET /v1/bals/{address}/members.
type Members struct {
	Address    string   `json:"address"`
	CallerRole string   `json:"caller_role"`
	Grantable  []string `json:"grantable"` // roles the caller may give to a new member
	Members    []Member `json:"members"`
}

// SetMember is the body of PUT /v1/bals/{address}/members/{national_id}.
type SetMember struct {
	Role string `json:"role"`
	Name string `json:"name,omitempty"`
}

// Check is the answer of POST /v1/bals/check: the address a creation request would get.
type Check struct {
	Address   string `json:"address"`
	Available bool   `json:"available"`
}
