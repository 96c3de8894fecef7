package store

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Words are folded for search: lower case, accents removed (NFD then marks dropped),
// ligatures expanded (œ → oe, æ → ae, ß → ss). Letters and digits make words; anything
// else separates them, so "l'ordonnance" gives "l" and "ordonnance", and an address
// "jean.dupont@pharma.fr" gives "jean", "dupont", "pharma", "fr".
const (
	minWord = 2  // shorter words are not indexed
	maxWord = 40 // longer runs (base64, hashes) are not words
	// Prefix tokens (search as you type) cover lengths 2..maxPrefix of short fields.
	maxPrefix = 12
)

// frenchStop are frequent French words not worth an index entry (folded forms).
var frenchStop = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`au aux avec ce ces cet cette dans de des du elle en et eux il ils
		je la le les leur leurs lui ma mais me meme mes moi mon ne nos notre nous on ou par pas pour
		qu que qui sa se ses son sur ta te tes toi ton tu un une vos votre vous c d j l m n s t y
		est sont ete etre avoir a as ai ont sera bien tres plus cc re tr fw fwd`) {
		m[w] = true
	}
	return m
}()

// foldWords calls fn with each folded word of s, in order, duplicates included.
func foldWords(s string, fn func(string)) {
	var b strings.Builder
	emit := func() {
		if w := b.String(); len(w) >= minWord && len(w) <= maxWord {
			fn(w)
		}
		b.Reset()
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf { // ASCII fast path
			i++
			switch {
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
				b.WriteByte(c)
			case 'A' <= c && c <= 'Z':
				b.WriteByte(c + 'a' - 'A')
			default:
				emit()
			}
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch r {
		case 'œ', 'Œ':
			b.WriteString("oe")
			continue
		case 'æ', 'Æ':
			b.WriteString("ae")
			continue
		case 'ß':
			b.WriteString("ss")
			continue
		case '\u2019', '\u02bc': // typographic apostrophes separate like '
			emit()
			continue
		}
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) {
			emit()
			continue
		}
		var buf [utf8.UTFMax]byte
		d := norm.NFD.Bytes(buf[:utf8.EncodeRune(buf[:], r)])
		for len(d) > 0 {
			dr, dn := utf8.DecodeRune(d)
			d = d[dn:]
			if unicode.Is(unicode.Mn, dr) {
				continue
			}
			b.WriteRune(unicode.ToLower(dr))
		}
	}
	emit()
}

// Fold returns s folded as the search index sees it: words joined by single spaces.
func Fold(s string) string {
	var ws []string
	foldWords(s, func(w string) { ws = append(ws, w) })
	return strings.Join(ws, " ")
}
