package annuaire

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// fold lower-cases r and strips French (and common Latin) diacritics. It returns up to two
// runes because ligatures expand (œ → oe); the second is 0 when unused.
func fold(r rune) (rune, rune) {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A', 0
		}
		return r, 0
	}
	switch r {
	case 'À', 'Á', 'Â', 'Ã', 'Ä', 'Å', 'à', 'á', 'â', 'ã', 'ä', 'å':
		return 'a', 0
	case 'Ç', 'ç':
		return 'c', 0
	case 'È', 'É', 'Ê', 'Ë', 'è', 'é', 'ê', 'ë':
		return 'e', 0
	case 'Ì', 'Í', 'Î', 'Ï', 'ì', 'í', 'î', 'ï':
		return 'i', 0
	case 'Ñ', 'ñ':
		return 'n', 0
	case 'Ò', 'Ó', 'Ô', 'Õ', 'Ö', 'Ø', 'ò', 'ó', 'ô', 'õ', 'ö', 'ø':
		return 'o', 0
	case 'Ù', 'Ú', 'Û', 'Ü', 'ù', 'ú', 'û', 'ü':
		return 'u', 0
	case 'Ý', 'ý', 'ÿ', 'Ÿ':
		return 'y', 0
	case 'Œ', 'œ':
		return 'o', 'e'
	case 'Æ', 'æ':
		return 'a', 'e'
	case 'ß':
		return 's', 's'
	}
	return unicode.ToLower(r), 0
}

// isWordRune reports whether r belongs to a token (letters and digits); everything else
// (spaces, hyphens, apostrophes, dots, "@") separates tokens.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// Normalize folds case and accents and collapses every run of separators into one space:
// "Élise  D'Arc-Müller" → "elise d arc muller". Search terms and indexed tokens both go
// through it, so matching is insensitive to case, accents and punctuation.
func Normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if !isWordRune(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		a, c := fold(r)
		b.WriteRune(a)
		if c != 0 {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// tokens calls f for every normalized token of s, and for every compound of a saint word
// and the word after it ("SAINT-ÉTIENNE", "ST ETIENNE" → also "saintetienne"): place names
// are found as one term, not as the given name they contain.
func tokens(s string, f func(tok string, compound bool)) {
	prev := ""
	for tok := range strings.FieldsSeq(Normalize(s)) {
		f(tok, false)
		if prev != "" {
			f(prev+tok, true)
		}
		prev = saintPrefix(tok)
	}
}

// saintPrefix returns the canonical form of a saint word ("st" → "saint", "ste" → "sainte"),
// or "" for any other word.
func saintPrefix(w string) string {
	switch w {
	case "saint", "st":
		return "saint"
	case "sainte", "ste":
		return "sainte"
	}
	return ""
}

// stopWords are too frequent in addresses and structure names to be useful alone; they are
// not indexed, and dropped from queries unless they are the last (still typed) term.
var stopWords = map[string]bool{
	"de": true, "du": true, "des": true, "la": true, "le": true, "les": true, "et": true,
	"en": true, "sur": true, "sous": true, "au": true, "aux": true, "rue": true, "avenue": true,
	"boulevard": true, "chemin": true, "place": true, "allee": true, "route": true,
	"impasse": true, "cedex": true, "bis": true, "ter": true, "bp": true, "cs": true,
	"saint": true, "st": true, "sainte": true, "ste": true,
	// Titles typed before a name ("Dr Dupont"): the directory keeps them out of the name.
	"dr": true, "pr": true, "docteur": true, "professeur": true, "mme": true, "mlle": true,
}

// indexable reports whether a token of the given field deserves a posting list.
func indexable(tok string) bool {
	if len(tok) < 2 || stopWords[tok] {
		return false
	}
	if isDigits(tok) && len(tok) < 5 {
		return false // house numbers, department codes
	}
	return true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
