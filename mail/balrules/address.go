package balrules

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// RFC 5321 §4.5.3.1 limits.
const (
	MaxLocalPart = 64  // octets of the local part
	MaxDomain    = 255 // octets of the domain
	MaxAddress   = 254 // octets of local@domain (a 256-octet path less its angle brackets)
	maxLabel     = 63  // octets of one domain label (RFC 1035)
)

// BAL kinds, as the provisioning API spells them.
const (
	KindPER = "PER"
	KindORG = "ORG"
	KindAPP = "APP"
)

// Address errors.
var (
	ErrEmptyName     = errors.New("balrules: a name needed by the address is empty")
	ErrPostalCode    = errors.New("balrules: postal code must be 5 digits")
	ErrFINESS        = errors.New("balrules: FINESS must be 9 characters")
	ErrBadDomain     = errors.New("balrules: invalid domain")
	ErrBadLocalPart  = errors.New("balrules: invalid local part")
	ErrAddressLength = errors.New("balrules: address longer than RFC 5321 allows")
	ErrUnknownKind   = errors.New("balrules: unknown BAL kind")
)

// ligatures and letters that Unicode does not decompose into a base letter and a mark.
var ligatures = strings.NewReplacer(
	"œ", "oe", "æ", "ae", "ß", "ss", "ø", "o", "đ", "d", "ł", "l", "ı", "i", "þ", "th", "ð", "d",
)

// Slug lower-cases s, folds accents and ligatures and keeps [a-z0-9], every other run of
// characters (apostrophes, spaces, punctuation) becoming one '-'; no '-' leads or trails.
func Slug(s string) string {
	s = ligatures.Replace(strings.ToLower(s))
	var b strings.Builder
	dash := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			// a combining accent: dropped, the base letter was written already
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		default:
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
				dash = true
			}
		}
	}
	return strings.TrimRight(b.String(), "-")
}

// shorten cuts a slug to at most n octets, at a '-' when one falls in the kept part, so
// the result never ends with '-'. n < 1 yields "".
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n < 1 {
		return ""
	}
	cut := s[:n]
	if s[n] != '-' {
		if i := strings.LastIndexByte(cut, '-'); i > 0 {
			cut = cut[:i]
		}
	}
	return strings.TrimRight(cut, "-.")
}

// LocalPER is the PER rule prenom.nom, within 64 octets: the given name is shortened
// first (down to its first letter), then the surname.
func LocalPER(given, surname string) (string, error) {
	g, s := Slug(given), Slug(surname)
	if g == "" || s == "" {
		return "", fmt.Errorf("%w: given name and surname", ErrEmptyName)
	}
	if len(g)+1+len(s) > MaxLocalPart {
		g = shorten(g, max(MaxLocalPart-1-len(s), 1))
		s = shorten(s, MaxLocalPart-1-len(g))
	}
	return g + "." + s, nil
}

// IsPharmacyName reports whether a structure's name starts with the word "Pharmacie".
func IsPharmacyName(name string) bool {
	n := Slug(name)
	return n == "pharmacie" || strings.HasPrefix(n, "pharmacie-")
}

// LocalORG is the ORG rule pharmacie-<nom>-<cp>-<ville> (a pharmacy: its name starts with
// "Pharmacie", which becomes the prefix) or <nom>-<cp>-<ville>, within 64 octets: the
// name is shortened first (keeping at least its first word), then the town.
func LocalORG(name, postalCode, town string) (string, error) {
	if !validPostalCode(postalCode) {
		return "", ErrPostalCode
	}
	n, t := Slug(name), Slug(town)
	prefix := ""
	if rest, ok := strings.CutPrefix(n, "pharmacie"); ok && (rest == "" || rest[0] == '-') {
		prefix, n = "pharmacie-", strings.TrimPrefix(rest, "-")
	}
	if n == "" || t == "" {
		return "", fmt.Errorf("%w: structure name and town", ErrEmptyName)
	}
	fixed := len(prefix) + 1 + len(postalCode) + 1 // prefix, -cp-
	if fixed+len(n)+len(t) > MaxLocalPart {
		first, _, _ := strings.Cut(n, "-")
		n = shorten(n, max(MaxLocalPart-fixed-len(t), min(len(first), 20)))
		t = shorten(t, MaxLocalPart-fixed-len(n))
	}
	return prefix + n + "-" + postalCode + "-" + t, nil
}

// LocalAPP is the APP rule app-<nom>-<finess>, within 64 octets.
func LocalAPP(name, finess string) (string, error) {
	f := strings.ToLower(finess)
	if len(f) != 9 || Slug(f) != f {
		return "", ErrFINESS
	}
	n := Slug(name)
	if n == "" {
		return "", fmt.Errorf("%w: structure name", ErrEmptyName)
	}
	n = shorten(n, MaxLocalPart-len("app-")-1-len(f))
	return "app-" + n + "-" + f, nil
}

// Local applies the rule of kind: PER uses given and surname, ORG name, postal code and
// town, APP name and FINESS.
func Local(kind string, p Parts) (string, error) {
	switch kind {
	case KindPER:
		return LocalPER(p.GivenName, p.Surname)
	case KindORG:
		return LocalORG(p.StructureName, p.PostalCode, p.Town)
	case KindAPP:
		return LocalAPP(p.StructureName, p.FINESS)
	}
	return "", fmt.Errorf("%w: %q", ErrUnknownKind, kind)
}

// Parts are what the address rules read.
type Parts struct {
	GivenName, Surname                      string // PER
	StructureName, PostalCode, Town, FINESS string // ORG, APP
}

func validPostalCode(cp string) bool {
	if len(cp) != 5 {
		return false
	}
	for _, r := range cp {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// ValidLocalPart checks the syntax every BAL's local part follows: [a-z0-9.-], 1 to 64
// octets, no leading, trailing or doubled '.' or '-'.
func ValidLocalPart(l string) bool {
	if l == "" || len(l) > MaxLocalPart {
		return false
	}
	prev := byte('.')
	for i := 0; i < len(l); i++ {
		c := l[i]
		sep := c == '.' || c == '-'
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || sep) {
			return false
		}
		if sep && (prev == '.' || prev == '-') {
			return false
		}
		prev = c
	}
	return prev != '.' && prev != '-'
}

// ValidDomain checks a domain's length and labels (letters, digits, inner '-').
func ValidDomain(d string) bool {
	if d == "" || len(d) > MaxDomain {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > maxLabel || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// Address joins a local part and a domain, checking both and the total length.
func Address(local, domain string) (string, error) {
	domain = strings.ToLower(domain)
	if !ValidLocalPart(local) {
		return "", fmt.Errorf("%w: %q", ErrBadLocalPart, local)
	}
	if !ValidDomain(domain) {
		return "", fmt.Errorf("%w: %q", ErrBadDomain, domain)
	}
	a := local + "@" + domain
	if len(a) > MaxAddress {
		return "", fmt.Errorf("%w: %d octets", ErrAddressLength, len(a))
	}
	return a, nil
}

// Numbered is the n-th homonym of base (n ≥ 2): PER prenom.nom<n>, other kinds
// <base>-<n>; base is shortened when needed so the result stays within 64 octets.
func Numbered(base, kind string, n int) string {
	suffix := strconv.Itoa(n)
	if kind != KindPER {
		suffix = "-" + suffix
	}
	return shortenHard(base, MaxLocalPart-len(suffix)) + suffix
}

// shortenHard cuts at exactly n octets (a number must fit after it), dropping separators
// the cut leaves at the end.
func shortenHard(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.TrimRight(s[:n], "-.")
}

// Matches reports whether local is base or one of its numbered homonyms (Numbered).
func Matches(local, base, kind string) bool {
	if local == base {
		return true
	}
	i := len(local)
	for i > 0 && local[i-1] >= '0' && local[i-1] <= '9' {
		i--
	}
	if i == len(local) || local[i] == '0' {
		return false
	}
	n, err := strconv.Atoi(local[i:])
	return err == nil && n >= 2 && Numbered(base, kind, n) == local
}
