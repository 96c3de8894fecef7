package trustlist

import (
	"fmt"
	"time"

	"comptoir/mail/msg"
)

// MaxAge is the age past which a list carries a notice (the ANS regenerates it daily).
const MaxAge = 30 * 24 * time.Hour

// Where the ANS publishes the list: signed on the trust-space site; unsigned, with its
// SHA-256 beside it, in its GitHub repository.
const (
	OfficialURL              = "https://espacedeconfiance.mssante.fr/listeblanchemssante.xml"
	ANSRepositoryURL         = "https://raw.githubusercontent.com/ansforge/MSS-liste-blanche/main/listeblanchemssante.xml"
	ANSRepositoryChecksumURL = "https://raw.githubusercontent.com/ansforge/MSS-liste-blanche/main/checksum"
)

// List is a verified trust-space list.
type List struct {
	Domains   *msg.TrustList // what msg.Build checks recipients against
	Generated time.Time      // DateDeGeneration
	Signed    bool           // XML-DSig verified; false: accepted by its published checksum
	Signer    string         // common name of the signing certificate (signed lists)
	SHA256    string         // hex digest of the file as published
	Checksum  string         // the published checksum it matched (unsigned lists)
	Source    string         // URL or file it was read from
}

// Age is the time since the list was generated.
func (l *List) Age(now time.Time) time.Duration { return now.Sub(l.Generated) }

// Stale reports a list older than MaxAge.
func (l *List) Stale(now time.Time) bool { return l.Age(now) > MaxAge }

// Status is what the settings screen shows about the list.
type Status struct {
	Domains   int
	Generated time.Time
	Age       time.Duration
	Signed    bool
	Signer    string
	Stale     bool
	Source    string
	Notices   []string // French, for the user
}

// Status describes l at now.
func (l *List) Status(now time.Time) Status {
	return Status{Domains: l.Domains.Len(), Generated: l.Generated, Age: l.Age(now), Signed: l.Signed, Signer: l.Signer,
		Stale: l.Stale(now), Source: l.Source, Notices: l.Notices(now)}
}

// Notices are the French warnings about l: unsigned, older than MaxAge.
func (l *List) Notices(now time.Time) []string {
	var out []string
	if !l.Signed {
		out = append(out, "Liste non signée : elle a été acceptée parce que son empreinte correspond à celle publiée par l'ANS, mais sa signature n'a pas pu être vérifiée.")
	}
	if l.Stale(now) {
		out = append(out, fmt.Sprintf("La liste blanche date du %s (il y a %d jours) : mettez-la à jour dans les paramètres.",
			l.Generated.Local().Format("02/01/2006"), int(l.Age(now).Hours()/24)))
	}
	return out
}
