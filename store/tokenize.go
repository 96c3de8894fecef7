package store

import (
	"encoding/binary"
	"slices"
)

// tokenizer turns a document into its distinct search tokens, caching the keyed hash of
// each word. Not safe for concurrent use.
type tokenizer struct {
	t        *tokener
	shared   *wordCache        // earlier batches' tokens, read-only here; may be nil
	words    map[string]uint64 // folded word -> token
	prefixes map[string]uint64 // folded prefix -> token
	seen     map[uint64]bool   // tokens of the current document
	out      []uint64
}

func newTokenizer(t *tokener) *tokenizer {
	return &tokenizer{t: t, words: map[string]uint64{}, prefixes: map[string]uint64{}, seen: map[uint64]bool{}}
}

// wordCache keeps the tokens of words seen in earlier batches, so a batch computes the
// keyed hash of new words only. Only touched under the bbolt write lock (inside update):
// read by the workers of one batch, merged after them. Dropped by Lock.
type wordCache struct {
	words, prefixes map[string]uint64
}

const wordCacheMax = 400_000 // entries; then start afresh (a few tens of MB at most)

// lookup reads the shared cache (read-only while workers run).
func (wc *wordCache) lookup(kind string, w []byte) (uint64, bool) {
	if wc == nil {
		return 0, false
	}
	if kind == tokWord {
		tok, ok := wc.words[string(w)]
		return tok, ok
	}
	tok, ok := wc.prefixes[string(w)]
	return tok, ok
}

// merge adds a batch worker's new tokens.
func (wc *wordCache) merge(tz *tokenizer) {
	if len(wc.words)+len(wc.prefixes) > wordCacheMax {
		clear(wc.words)
		clear(wc.prefixes)
	}
	for w, tok := range tz.words {
		wc.words[w] = tok
	}
	for p, tok := range tz.prefixes {
		wc.prefixes[p] = tok
	}
}

// token returns the cached token of w (the 8-byte keyed hash as a big-endian integer, so
// numeric order is key order); the map lookup with string(w) does not allocate.
func (tz *tokenizer) token(cache map[string]uint64, kind string, w []byte) uint64 {
	if tok, ok := cache[string(w)]; ok {
		return tok
	}
	if tok, ok := tz.shared.lookup(kind, w); ok {
		return tok
	}
	tok := binary.BigEndian.Uint64(tz.t.sum(kind, string(w), wordSize))
	cache[string(w)] = tok
	return tok
}

func (tz *tokenizer) add(tok uint64) {
	if !tz.seen[tok] {
		tz.seen[tok] = true
		tz.out = append(tz.out, tok)
	}
}

// tokens returns the distinct tokens of a document: every field's words, and prefixes
// of the short fields. The slice is fresh.
func (tz *tokenizer) tokens(e *Envelope, text []byte) []uint64 {
	clear(tz.seen)
	tz.out = nil
	word := func(w []byte) {
		if !frenchStop[string(w)] {
			tz.add(tz.token(tz.words, tokWord, w))
		}
	}
	short := func(s string) {
		foldWords(s, func(w []byte) {
			if frenchStop[string(w)] {
				return
			}
			tz.add(tz.token(tz.words, tokWord, w))
			for l := minWord; l < len(w) && l <= maxPrefix; l++ {
				tz.add(tz.token(tz.prefixes, tokPrefix, w[:l]))
			}
		})
	}
	// Prefixes only where people type names as they search: subject, sender, attachment
	// and patient names. Addresses and recipients are indexed as whole words.
	short(e.Subject)
	short(e.From.Name)
	for _, a := range e.Attachments {
		short(a.Name)
	}
	if e.Patient != nil {
		short(e.Patient.Name)
	}
	fields := func(s string) { foldWords(s, word) }
	fields(e.From.Email)
	for _, a := range slices.Concat(e.To, e.Cc) {
		fields(a.Name)
		fields(a.Email)
	}
	foldWords(string(text), word)
	return tz.out
}
