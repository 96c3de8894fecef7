package xdm

import (
	"strings"

	insrules "comptoir/mail/patient"
)

// OIDs of the French national patient identifiers (INS), the assigning authority of a patient
// id. Source: the ANS CDA display stylesheets and FR Core's Patient identifier slices, which
// label 1.2.250.1.213.1.4.8 [NIR], …4.9 [NIA], …4.10 [TEST] and …4.11 [DEMO].
const (
	OIDINSNIR     = "1.2.250.1.213.1.4.8"  // INS-NIR: the NIR used as INS
	OIDINSNIA     = "1.2.250.1.213.1.4.9"  // INS-NIA: temporary number of a person awaiting a NIR
	OIDINSNIRTest = "1.2.250.1.213.1.4.10" // INS-NIR of a fictitious test patient
	OIDINSNIRDemo = "1.2.250.1.213.1.4.11" // INS-NIR of a fictitious demonstration patient
)

// IDKind says what a patient identifier is.
type IDKind int

const (
	// IDLocal is any identifier that is not a valid INS: another assigning authority (an IPP
	// under the hospital's OID), no authority, or an INS authority with a malformed number or
	// a wrong key.
	IDLocal IDKind = iota
	// IDINS is an INS-NIR or INS-NIA whose key checks.
	IDINS
	// IDINSTest is an INS-NIR of a test or demonstration patient whose key checks: an INS of
	// the test environments, never a real person.
	IDINSTest
)

// Kind classifies the patient id: an INS only when its OID is an INS OID and its key is
// valid (for NIR-based ones, the whole NIR is checked as patient.ParseINS does).
func (p Patient) Kind() IDKind {
	if !p.INSAuthority() || !p.KeyValid() {
		return IDLocal
	}
	if p.OID == OIDINSNIRTest || p.OID == OIDINSNIRDemo {
		return IDINSTest
	}
	return IDINS
}

// IsINS reports whether the patient id is an INS: INS OID and valid key (test ones included).
func (p Patient) IsINS() bool { return p.Kind() != IDLocal }

// INSAuthority reports whether the OID is one of the INS OIDs, whatever the number.
func (p Patient) INSAuthority() bool {
	switch p.OID {
	case OIDINSNIR, OIDINSNIA, OIDINSNIRTest, OIDINSNIRDemo:
		return true
	}
	return false
}

// KeyValid reports whether the id is a 15-character INS number whose key checks. A NIR must
// also have a valid sex digit and month (patient.ParseINS); a NIA is built like a NIR but
// only its characters and key are checked.
func (p Patient) KeyValid() bool {
	id := strings.ToUpper(p.ID)
	if p.OID == OIDINSNIA {
		return len(id) == 15 && insrules.Key(id[:13]) >= 0 && isDigits(id[13:]) &&
			insrules.Key(id[:13]) == atoi2(id[13:])
	}
	ins, err := insrules.ParseINS(id)
	return err == nil && string(ins) == id
}

// Label is the French word shown next to the identifier.
func (p Patient) Label() string {
	switch p.Kind() {
	case IDINS:
		if p.OID == OIDINSNIA {
			return "INS (NIA)"
		}
		return "INS"
	case IDINSTest:
		if p.OID == OIDINSNIRDemo {
			return "INS (démonstration)"
		}
		return "INS (test)"
	}
	return "identifiant local"
}

// String names the kind for logs and JSON: "ins", "ins-test" or "local".
func (k IDKind) String() string {
	switch k {
	case IDINS:
		return "ins"
	case IDINSTest:
		return "ins-test"
	}
	return "local"
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// atoi2 reads a 2-digit key (callers checked the digits).
func atoi2(s string) int { return int(s[0]-'0')*10 + int(s[1]-'0') }
