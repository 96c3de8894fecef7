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

// latinFold maps U+0080..U+024F (Latin-1 and Latin Extended A/B, all of French) to their
// folded form; "" separates words. Built once, read-only.
var latinFold = func() [0x250 - 0x80]string {
	var t [0x250 - 0x80]string
	for r := rune(0x80); r < 0x250; r++ {
		t[r-0x80] = foldRune(r)
	}
	return t
}()

// foldRune folds one rune outside the fast paths: "" if it separates words.
func foldRune(r rune) string {
	switch r {
	case 'œ', 'Œ':
		return "oe"
	case 'æ', 'Æ':
		return "ae"
	case 'ß':
		return "ss"
	}
	if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
		return ""
	}
	var buf [utf8.UTFMax]byte
	var out []byte
	d := norm.NFD.Bytes(buf[:utf8.EncodeRune(buf[:], r)])
	for len(d) > 0 {
		dr, dn := utf8.DecodeRune(d)
		d = d[dn:]
		if !unicode.Is(unicode.Mn, dr) {
			out = utf8.AppendRune(out, unicode.ToLower(dr))
		}
	}
	return string(out)
}

// foldWords calls fn with each folded word of s, in order, duplicates included. The slice
// is only valid during the call.
func foldWords(s string, fn func([]byte)) {
	w := make([]byte, 0, 64)
	emit := func() {
		if len(w) >= minWord && len(w) <= maxWord {
			fn(w)
		}
		w = w[:0]
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf { // ASCII fast path
			i++
			switch {
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
				w = append(w, c)
			case 'A' <= c && c <= 'Z':
				w = append(w, c+'a'-'A')
			default:
				emit()
			}
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		var f string
		switch {
		case r < 0x250:
			f = latinFold[r-0x80]
		case unicode.Is(unicode.Mn, r):
			continue // a combining accent (text already in NFD)
		default:
			f = foldRune(r)
		}
		if f == "" {
			emit()
			continue
		}
		w = append(w, f...)
	}
	emit()
}

// Fold returns s folded as the search index sees it: words joined by single spaces.
func Fold(s string) string {
	var ws []string
	foldWords(s, func(w []byte) { ws = append(ws, string(w)) })
	return strings.Join(ws, " ")
}
