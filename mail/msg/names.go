package msg

import (
	"strings"
	"time"
	"unicode"
)

// DocumentSubjectPrefix starts the subject of a message carrying documents (ECO.2.1.3).
const DocumentSubjectPrefix = "XDM/1.0/DDM+"

// DisplaySubject returns the subject as the list shows it: without the XDM/1.0/DDM+ prefix.
func DisplaySubject(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= len(DocumentSubjectPrefix) && strings.EqualFold(s[:len(DocumentSubjectPrefix)], DocumentSubjectPrefix) {
		return strings.TrimSpace(s[len(DocumentSubjectPrefix):])
	}
	return s
}

// FromDisplayName returns the From display name of the convention ECO.2.2.7: for a PER BAL
// `<Titre>_<Prénom>_<NOM>_<Entité fonctionnelle>` (empty parts left out), for ORG and APP
// BALs the entity's name.
func FromDisplayName(kind string, title, given, surname, entity string) string {
	if !strings.EqualFold(strings.TrimSpace(kind), "PER") {
		return strings.TrimSpace(entity)
	}
	var parts []string
	for _, p := range []string{title, given, strings.ToUpper(surname), entity} {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "_")
}

// Sender is who writes from a BAL, as the From display name needs them (ECO.2.2.7).
type Sender struct {
	BALKind    string // PER, ORG, APP (CAB is treated as ORG)
	Given      string // the card holder's given name
	Surname    string
	Profession string // the card's profession ("Pharmacien", "Médecin"…), for the title
	Civility   string // civilité d'exercice from the Annuaire Santé ("DR", "PR", "M", "MME"), if known
	// Entity is, for a PER BAL, the structure of the practice situation the BAL belongs to
	// (the situation chosen for this BAL, not the card's first one); for ORG and APP BALs,
	// the BAL's display name.
	Entity string
}

// SenderName is the From display name of s: for a PER BAL
// `<Titre>_<Prénom>_<NOM>_<Entité fonctionnelle>` with Title(s.Profession, s.Civility), for ORG
// and APP BALs the entity's name.
func SenderName(s Sender) string {
	return FromDisplayName(s.BALKind, Title(s.Profession, s.Civility), s.Given, s.Surname, s.Entity)
}

// Title is the title of a health professional in the From display name. The directory's
// civilité d'exercice wins ("DR" → "Dr", "PR" → "Pr"); otherwise the profession gives it:
// médecins, chirurgiens-dentistes and pharmaciens hold a state doctorate and write "Dr";
// the other professions (sage-femme, infirmier, préparateur…) write no title. "M" and "MME"
// are civilities, not titles: left out, as the convention's <Titre> is a professional title.
func Title(profession, civility string) string {
	switch strings.ToUpper(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(civility), "."))) {
	case "PR", "PROFESSEUR":
		return "Pr"
	case "DR", "DOCTEUR":
		return "Dr"
	}
	p := strings.ToLower(strings.TrimSpace(profession))
	for _, prefix := range []string{"médecin", "medecin", "chirurgien-dentiste", "chirurgien dentiste", "pharmacien"} {
		if strings.HasPrefix(p, prefix) {
			return "Dr"
		}
	}
	return ""
}

// DocumentSubject returns `XDM/1.0/DDM+<libellé> <NOM> <prénom> [<date de naissance>]`, the
// birth date written DD/MM/YYYY and left out when unknown.
func DocumentSubject(label, family, given string, birth time.Time) string {
	parts := []string{strings.TrimSpace(label), strings.ToUpper(strings.TrimSpace(family)), strings.TrimSpace(given)}
	if !birth.IsZero() {
		parts = append(parts, birth.Format("02/01/2006"))
	}
	var kept []string
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return DocumentSubjectPrefix + strings.Join(kept, " ")
}

// PDFName returns `<date acte>_<type document>_<NOM>_<prénom>_<n° dossier>.pdf` (ECO.2.1.6),
// the date as YYYYMMDD; each part is made safe for file systems, an empty file number is
// left out.
func PDFName(act time.Time, docType, family, given, fileNumber string) string {
	parts := []string{act.Format("20060102"), safePart(docType), safePart(strings.ToUpper(family)), safePart(given)}
	if f := safePart(fileNumber); f != "" {
		parts = append(parts, f)
	}
	return strings.Join(parts, "_") + ".pdf"
}

// safePart keeps letters (accents included), digits, '-' and '.'; anything else, '_' (the
// separator) included, becomes '-'.
func safePart(s string) string {
	s = strings.TrimSpace(s)
	var b strings.Builder
	dash := false
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-.")
}

// subjectPrefixes are the answer prefixes Reply and Forward do not repeat.
var subjectPrefixes = []string{"re:", "re :", "tr:", "tr :", "fw:", "fwd:", "fw :", "fwd :", "réf:", "ref:"}

func stripPrefixes(s string) string {
	for {
		s = strings.TrimSpace(s)
		cut := false
		for _, p := range subjectPrefixes {
			if len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) {
				s = s[len(p):]
				cut = true
				break
			}
		}
		if !cut {
			return s
		}
	}
}
