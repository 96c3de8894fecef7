package balrules

import (
	"errors"
	"strings"
)

// SectorPharmacy is the "secteur d'activité" of a pharmacy (TRE_R02 SA33, pharmacie
// d'officine), as a card's practice situation carries it.
const SectorPharmacy = "SA33"

// RoleAdmin is the role that may create a structure's APP BAL.
const RoleAdmin = "Administrateur"

// Eligibility errors (Check*).
var (
	ErrNotPharmacist = errors.New("balrules: only a pharmacist may create a pharmacy's organisational BAL")
	ErrNoPharmacy    = errors.New("balrules: the situation is not a pharmacy with a FINESS")
	ErrNotAdmin      = errors.New("balrules: only an Administrateur of the structure's ORG BAL may create its APP BAL")
)

// Situation is a card's practice situation, as far as the rules need it.
type Situation struct {
	StructureName string
	FINESS        string // empty unless the structure id is a FINESS (type 1)
	Sector        string // e.g. "SA33"
}

// IsPharmacy reports whether s is a pharmacy identified by a FINESS.
func IsPharmacy(s Situation) bool {
	return s.FINESS != "" && (s.Sector == SectorPharmacy || IsPharmacyName(s.StructureName))
}

// IsPharmacist reports whether a card's profession (the certificate's title) is pharmacist.
func IsPharmacist(profession string) bool {
	p := Slug(profession)
	return p == "pharmacien" || p == "pharmacienne" || p == "21" // TRE_G15 code
}

// CheckORG says whether a holder of profession practising in s may create s's ORG BAL.
func CheckORG(profession string, s Situation) error {
	if !IsPharmacist(profession) {
		return ErrNotPharmacist
	}
	if !IsPharmacy(s) {
		return ErrNoPharmacy
	}
	return nil
}

// CheckAPP says whether a holder whose role on the structure's ORG BAL is role may create
// the structure's APP BAL.
func CheckAPP(role string) error {
	if role != RoleAdmin {
		return ErrNotAdmin
	}
	return nil
}

// UserMessage is the French text for an error of this package ("" for other errors).
func UserMessage(err error) string {
	switch {
	case errors.Is(err, ErrNotPharmacist):
		return "Seul un pharmacien (le titulaire de l'officine) peut créer la BAL organisationnelle de l'officine. " +
			"Demandez-lui de la créer : il pourra ensuite vous y donner accès."
	case errors.Is(err, ErrNoPharmacy):
		return "La BAL organisationnelle est celle d'une officine : choisissez une situation d'exercice en pharmacie identifiée par un numéro FINESS."
	case errors.Is(err, ErrNotAdmin):
		return "Seul un administrateur de la BAL de l'officine peut créer sa BAL applicative."
	case errors.Is(err, ErrPostalCode):
		return "Le code postal doit compter 5 chiffres."
	case errors.Is(err, ErrFINESS):
		return "Le numéro FINESS doit compter 9 caractères."
	case errors.Is(err, ErrEmptyName):
		return "Un nom nécessaire à l'adresse est vide (" + strings.TrimPrefix(errDetail(err), ErrEmptyName.Error()+": ") + ")."
	case errors.Is(err, ErrBadDomain):
		return "Le domaine de l'opérateur est invalide : vérifiez les paramètres."
	case errors.Is(err, ErrBadLocalPart), errors.Is(err, ErrAddressLength):
		return "L'adresse calculée ne respecte pas les règles (caractères a-z, 0-9, « . » et « - », 64 caractères au plus avant « @ »)."
	}
	return ""
}

func errDetail(err error) string {
	d := err.Error()
	for _, w := range []struct{ en, fr string }{
		{"given name and surname", "prénom et nom"}, {"structure name and town", "nom de la structure et ville"},
		{"structure name", "nom de la structure"},
	} {
		d = strings.ReplaceAll(d, w.en, w.fr)
	}
	return d
}
