package app

import (
	"strings"
	"unicode/utf8"
)

// Bounds on the text a message puts on screen. Fyne wraps a paragraph in time that grows
// with the square of its length: a 10 KB subject froze the reader for seconds, a 100 KB
// paragraph for minutes. A sender must not be able to freeze the counter.
const (
	maxSubjectRunes   = 300    // one line in the list, a few in the reader
	maxAddressRunes   = 2000   // a From, To or Cc line
	maxBodyRunes      = 30_000 // about fifteen pages
	maxParagraphRunes = 500    // longer paragraphs are broken at a space
)

// clip returns s cut to n runes, with "…" when it was longer.
func clip(s string, n int) string {
	if len(s) <= n { // bytes ≥ runes
		return s
	}
	i, count := 0, 0
	for i < len(s) && count < n {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		count++
	}
	if i >= len(s) {
		return s
	}
	return s[:i] + "…"
}

// bodyForDisplay bounds a message's text for the reader: at most maxBodyRunes, paragraphs
// broken every maxParagraphRunes at a space. cut says whether text was left out.
func bodyForDisplay(s string) (text string, cut bool) {
	clipped := clip(s, maxBodyRunes)
	cut = clipped != s
	var b strings.Builder
	b.Grow(len(clipped) + len(clipped)/maxParagraphRunes)
	for line := range strings.SplitSeq(clipped, "\n") {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		for utf8.RuneCountInString(line) > maxParagraphRunes {
			head := clip(line, maxParagraphRunes)
			head = strings.TrimSuffix(head, "…")
			if sp := strings.LastIndexByte(head, ' '); sp > len(head)/2 {
				head = head[:sp+1]
			}
			b.WriteString(head)
			b.WriteByte('\n')
			line = line[len(head):]
		}
		b.WriteString(line)
	}
	return b.String(), cut
}
