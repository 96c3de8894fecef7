package cpstest

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"strings"
)

// Layout is how a card certificate's subject names the holder.
type Layout int

const (
	// LayoutRDN is the current CPS layout: one multi-valued RDN
	// SN=<surname>+CN=<national id>+GN=<given name>, then title=<profession>, C=FR.
	LayoutRDN Layout = iota
	// LayoutSlashCN is the older layout: CN=<national id>/<GIVEN SURNAME>.
	LayoutSlashCN
)

// Person is a card holder as written on the card.
type Person struct {
	NationalID string // '8' + RPPS (11 digits) or '0' + ADELI (9 digits)
	Surname    string // upper case, as on the card
	GivenName  string
	Profession string // the certificate's title, e.g. "Pharmacien"
	Specialty  string // 4-character code ending CPS_INFO_PS, e.g. "SM26"
	Layout     Layout
	Situations []Situation
}

// Situation is one practice situation ("situation d'exercice"), stored on the card as a
// CPS_ACTIVITY_xx_PS object. Postal code and town are not on the card; the sandbox uses
// them to publish the structure in its directory.
type Situation struct {
	StructureName   string // raison sociale, tag 0x84
	StructureIDType int    // TRE_G07: 1 FINESS, 4 cabinet RPPS, …
	StructureID     string // tag 0x85 is StructureIDType digit + StructureID
	Sector          string // secteur d'activité, tag 0x86, 4 characters
	PostalCode      string
	Town            string
}

// FINESS returns the structure's FINESS number, or "" when the structure id is not one.
func (s Situation) FINESS() string {
	if s.StructureIDType == 1 {
		return s.StructureID
	}
	return ""
}

var (
	oidCountry    = asn1.ObjectIdentifier{2, 5, 4, 6}
	oidOrg        = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidOrgUnit    = asn1.ObjectIdentifier{2, 5, 4, 11}
	oidCommonName = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidSurname    = asn1.ObjectIdentifier{2, 5, 4, 4}
	oidGivenName  = asn1.ObjectIdentifier{2, 5, 4, 42}
	oidTitle      = asn1.ObjectIdentifier{2, 5, 4, 12}
	oidSerial     = asn1.ObjectIdentifier{2, 5, 4, 5}
)

// subject builds the DER subject of p's card certificate. Go's pkix.Name cannot express
// a multi-valued RDN, so the sequence is built by hand. serialNumber carries the national
// id so servers such as Dovecot can take the user name from it.
func (p Person) subject() ([]byte, error) {
	atv := func(t asn1.ObjectIdentifier, v string) pkix.AttributeTypeAndValue {
		return pkix.AttributeTypeAndValue{Type: t, Value: v}
	}
	seq := pkix.RDNSequence{
		{atv(oidCountry, "FR")},
		{atv(oidOrg, "CPS TEST")},
		{atv(oidOrgUnit, "IGC-SANTE TEST")},
	}
	switch p.Layout {
	case LayoutSlashCN:
		cn := p.NationalID + "/" + strings.ToUpper(p.GivenName+" "+p.Surname)
		seq = append(seq,
			pkix.RelativeDistinguishedNameSET{atv(oidTitle, p.Profession)},
			pkix.RelativeDistinguishedNameSET{atv(oidSerial, p.NationalID)},
			pkix.RelativeDistinguishedNameSET{atv(oidCommonName, cn)})
	default:
		seq = append(seq,
			pkix.RelativeDistinguishedNameSET{atv(oidTitle, p.Profession)},
			pkix.RelativeDistinguishedNameSET{atv(oidSerial, p.NationalID)},
			pkix.RelativeDistinguishedNameSET{
				atv(oidSurname, p.Surname),
				atv(oidCommonName, p.NationalID),
				atv(oidGivenName, p.GivenName),
			})
	}
	return asn1.Marshal(seq)
}
