package cps

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"
)

// IDType is the kind of a national id, given by its first character.
type IDType byte

const (
	IDRPPS  IDType = '8' // '8' + 11-digit RPPS number
	IDADELI IDType = '0' // '0' + 9-character ADELI number
)

func (t IDType) String() string {
	switch t {
	case IDRPPS:
		return "RPPS"
	case IDADELI:
		return "ADELI"
	case 0:
		return ""
	}
	return "type " + string(rune(t))
}

// Identity is the card holder as the authentication certificate names them.
type Identity struct {
	NationalID string // e.g. "899700412358"
	IDType     IDType
	Number     string // the RPPS or ADELI number: NationalID without its type character
	Surname    string
	GivenName  string
	Profession string // the certificate's title, e.g. "Pharmacien"
	Specialty  string // 4-character code ending CPS_INFO_PS, when the card has it
}

// FullName is "GivenName SURNAME".
func (id Identity) FullName() string {
	return strings.TrimSpace(id.GivenName + " " + id.Surname)
}

var (
	oidCommonName = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidSurname    = asn1.ObjectIdentifier{2, 5, 4, 4}
	oidGivenName  = asn1.ObjectIdentifier{2, 5, 4, 42}
	oidTitle      = asn1.ObjectIdentifier{2, 5, 4, 12}
)

// ParseIdentity reads the holder from a CPS certificate subject, in either layout:
// the multi-valued RDN SN=<surname>+CN=<national id>+GN=<given name> with title=<profession>,
// or CN=<national id>/<GIVEN SURNAME> (whose name part is split at the first space: French
// given names are hyphenated, surnames may hold spaces).
func ParseIdentity(cert *x509.Certificate) (Identity, error) {
	if cert == nil {
		return Identity{}, errors.New("cps: parse identity: no certificate")
	}
	var id Identity
	var cn string
	for _, atv := range cert.Subject.Names {
		v, ok := atv.Value.(string)
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch {
		case atv.Type.Equal(oidCommonName):
			cn = v
		case atv.Type.Equal(oidSurname):
			id.Surname = v
		case atv.Type.Equal(oidGivenName):
			id.GivenName = v
		case atv.Type.Equal(oidTitle):
			id.Profession = v
		}
	}
	nationalID, name, slashed := strings.Cut(cn, "/")
	if slashed && (id.Surname == "" || id.GivenName == "") {
		given, surname, _ := strings.Cut(strings.TrimSpace(name), " ")
		if id.GivenName == "" {
			id.GivenName = given
		}
		if id.Surname == "" {
			id.Surname = strings.TrimSpace(surname)
		}
	}
	nationalID = strings.TrimSpace(nationalID)
	if len(nationalID) < 2 {
		return Identity{}, fmt.Errorf("cps: parse identity: no national id in subject %q", cert.Subject.String())
	}
	id.NationalID = nationalID
	id.IDType = IDType(nationalID[0])
	id.Number = nationalID[1:]
	return id, nil
}
