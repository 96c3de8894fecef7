package patient

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// INS is a validated INS in its canonical form: 15 characters, 13 for the NIR (with "2A"
// or "2B" for Corsica) followed by the 2-digit key, no spaces. Obtain one from ParseINS.
type INS string

// Sex is the sex recorded in the NIR and in the patient's identity.
type Sex string

// The two values of Sex, as stored (store.Patient.Sex).
const (
	Male   Sex = "M"
	Female Sex = "F"
)

// Label is the French word shown on screen.
func (s Sex) Label() string {
	switch s {
	case Male:
		return "masculin"
	case Female:
		return "féminin"
	}
	return "non renseigné"
}

// ParseSex reads a sex as typed or stored: M/F, H (homme), 1/2 as in the NIR, or words.
func ParseSex(s string) (Sex, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "m", "h", "1", "homme", "masculin", "male":
		return Male, nil
	case "f", "2", "femme", "féminin", "feminin", "female":
		return Female, nil
	}
	return "", fmt.Errorf("patient: sex %q: %w", s, ErrSexUnknown)
}

// Sentinel errors of ParseINS and Address; UserMessage gives their French text.
var (
	ErrLength     = errors.New("INS must be 15 characters (13-character NIR and 2-digit key)")
	ErrCharacters = errors.New("INS contains characters other than digits (and 2A/2B for Corsica)")
	ErrSex        = errors.New("INS sex digit must be 1 or 2")
	ErrMonth      = errors.New("INS birth month is invalid")
	ErrKey        = errors.New("INS key does not match the NIR")

	ErrSexUnknown        = errors.New("sex is neither male nor female")
	ErrNotQualified      = errors.New("INS is not qualified")
	ErrBirthDateMissing  = errors.New("birth date is missing")
	ErrBirthDateMismatch = errors.New("birth date does not match the INS")
	ErrSexMismatch       = errors.New("sex does not match the INS")
	ErrNotPatientAddress = errors.New("not a Mon Espace Santé patient address")
)

// UserMessage is the French sentence to show for an error of this package; for any other
// error it returns a generic sentence (the details belong in the logs).
func UserMessage(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrLength):
		return "Le matricule INS doit comporter 15 caractères : les 13 du numéro de sécurité sociale et la clé à 2 chiffres."
	case errors.Is(err, ErrCharacters):
		return "Le matricule INS ne doit contenir que des chiffres (et 2A ou 2B pour une naissance en Corse)."
	case errors.Is(err, ErrSex):
		return "Le matricule INS doit commencer par 1 (homme) ou 2 (femme)."
	case errors.Is(err, ErrMonth):
		return "Le mois de naissance indiqué dans le matricule INS n'existe pas."
	case errors.Is(err, ErrKey):
		return "La clé du matricule INS ne correspond pas au numéro : vérifiez la saisie."
	case errors.Is(err, ErrSexUnknown):
		return "Indiquez le sexe du patient : masculin ou féminin."
	case errors.Is(err, ErrNotQualified):
		return "L'INS de ce patient n'est pas qualifié : qualifiez l'identité avant de lui écrire sur Mon Espace Santé."
	case errors.Is(err, ErrBirthDateMissing):
		return "Indiquez la date de naissance du patient pour confirmer son INS."
	case errors.Is(err, ErrBirthDateMismatch):
		return "La date de naissance ne correspond pas à l'INS : vérifiez l'identité du patient."
	case errors.Is(err, ErrSexMismatch):
		return "Le sexe ne correspond pas à l'INS : vérifiez l'identité du patient."
	case errors.Is(err, ErrNotPatientAddress):
		return "Cette adresse n'est pas une adresse patient Mon Espace Santé."
	case errors.Is(err, ErrTemplates):
		return "Chaque modèle de réponse doit avoir un nom, différent de celui des autres modèles."
	}
	return "Les informations du patient sont invalides."
}

// ParseINS validates s and returns its canonical form. Spaces, dots, dashes and
// underscores between groups are ignored, letters are upper-cased, so the NIR may be
// typed as printed on a carte Vitale ("1 85 05 78 006 084 36").
func ParseINS(s string) (INS, error) {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case ' ', '.', '-', '_', '\t', '\u00a0', '\u202f':
			continue
		}
		b.WriteRune(r)
	}
	c := strings.ToUpper(b.String())
	if n := len([]rune(c)); n != 15 {
		return "", fmt.Errorf("patient: INS of %d characters: %w", n, ErrLength)
	}
	for i := 0; i < 15; i++ {
		ch := c[i]
		if ch >= '0' && ch <= '9' {
			continue
		}
		if i == 6 && (ch == 'A' || ch == 'B') && c[5] == '2' {
			continue
		}
		return "", fmt.Errorf("patient: INS character %d: %w", i+1, ErrCharacters)
	}
	if c[0] != '1' && c[0] != '2' {
		return "", fmt.Errorf("patient: INS sex digit %q: %w", c[0], ErrSex)
	}
	if m, _ := strconv.Atoi(c[3:5]); !validMonth(m) {
		return "", fmt.Errorf("patient: INS month %02d: %w", m, ErrMonth)
	}
	if key, _ := strconv.Atoi(c[13:15]); key != nirKey(c[:13]) {
		return "", fmt.Errorf("patient: INS key %02d: %w", key, ErrKey)
	}
	return INS(c), nil
}

// validMonth accepts the calendar months and the pseudo-months (20–42, 50–99) the NIR
// uses when the birth month is unknown.
func validMonth(m int) bool {
	return (m >= 1 && m <= 12) || (m >= 20 && m <= 42) || (m >= 50 && m <= 99)
}

// Key computes the 2-digit key of a 13-character NIR: 97 − (NIR mod 97), with the
// Corsican departments 2A and 2B counted as 19 and 18. nir must be 13 characters of
// digits (positions 6–7 may be 2A/2B); Key returns -1 otherwise.
func Key(nir string) int {
	if len(nir) != 13 {
		return -1
	}
	for i := 0; i < 13; i++ {
		ch := nir[i]
		if (ch < '0' || ch > '9') && !(i == 6 && (ch == 'A' || ch == 'B' || ch == 'a' || ch == 'b') && nir[5] == '2') {
			return -1
		}
	}
	return nirKey(strings.ToUpper(nir))
}

// nirKey assumes a 13-character NIR already checked.
func nirKey(nir string) int {
	switch nir[5:7] {
	case "2A":
		nir = nir[:5] + "19" + nir[7:]
	case "2B":
		nir = nir[:5] + "18" + nir[7:]
	}
	n, err := strconv.ParseUint(nir, 10, 64)
	if err != nil {
		return -1
	}
	return int(97 - n%97)
}

// String returns the canonical 15 characters.
func (i INS) String() string { return string(i) }

// Grouped formats the INS as printed on a carte Vitale: "1 85 05 78 006 084 36".
func (i INS) Grouped() string {
	s := string(i)
	if len(s) != 15 {
		return s
	}
	return strings.Join([]string{s[0:1], s[1:3], s[3:5], s[5:7], s[7:10], s[10:13], s[13:15]}, " ")
}

// Sex is the sex encoded in the first digit.
func (i INS) Sex() Sex {
	if len(i) == 15 && i[0] == '2' {
		return Female
	}
	return Male
}

// BirthYear is the year of birth modulo 100, as encoded (the century is not).
func (i INS) BirthYear() int {
	if len(i) != 15 {
		return -1
	}
	y, _ := strconv.Atoi(string(i[1:3]))
	return y
}

// BirthMonth is the month of birth, or 0 when the NIR carries a pseudo-month (unknown).
func (i INS) BirthMonth() int {
	if len(i) != 15 {
		return 0
	}
	m, _ := strconv.Atoi(string(i[3:5]))
	if m < 1 || m > 12 {
		return 0
	}
	return m
}
