package store

import (
	"encoding/binary"
	"math/bits"
)

// tokenizer turns a document into its distinct search tokens, caching the keyed hash of
// each word. Not safe for concurrent use.
type tokenizer struct {
	t        *tokener
	shared   *wordCache        // earlier batches' tokens, read-only here; may be nil
	words    map[string]uint64 // folded word -> token
	prefixes map[string]uint64 // folded prefix -> token
	out      []uint64          // tokens of the current document, duplicates included
	set      []uint64          // open-addressing set for distinct, reused
}

func newTokenizer(t *tokener) *tokenizer {
	return &tokenizer{t: t, words: map[string]uint64{}, prefixes: map[string]uint64{}}
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
// The shared cache is asked first: after the first batches it holds nearly every word.
func (tz *tokenizer) token(cache map[string]uint64, kind string, w []byte) uint64 {
	if tok, ok := tz.shared.lookup(kind, w); ok {
		return tok
	}
	if tok, ok := cache[string(w)]; ok {
		return tok
	}
	tok := binary.BigEndian.Uint64(tz.t.sum(kind, string(w), wordSize))
	cache[string(w)] = tok
	return tok
}

func (tz *tokenizer) add(tok uint64) { tz.out = append(tz.out, tok) }

// tokens returns the distinct tokens of a document: every field's words, and prefixes of
// the short fields. The slice is fresh.
func (tz *tokenizer) tokens(e *Envelope, text string) []uint64 {
	tz.out = tz.out[:0]
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
	for _, l := range [][]Address{e.To, e.Cc} {
		for _, a := range l {
			fields(a.Name)
			fields(a.Email)
		}
	}
	foldWords(text, word)
	return tz.distinct()
}

// distinct returns the distinct tokens of tz.out in first-seen order. Tokens are keyed
// hashes, uniformly spread, so their low bits index a linear-probing table directly: far
// cheaper than a map or a sort for the few hundred words of a message.
func (tz *tokenizer) distinct() []uint64 {
	size := 1 << bits.Len(uint(2*len(tz.out)))
	if cap(tz.set) < size {
		tz.set = make([]uint64, size)
	} else {
		tz.set = tz.set[:size]
		clear(tz.set)
	}
	mask := uint64(size - 1)
	res := make([]uint64, 0, len(tz.out))
	zero := false // 0 marks a free slot; the token 0 is tracked apart
	for _, tok := range tz.out {
		if tok == 0 {
			if !zero {
				zero = true
				res = append(res, tok)
			}
			continue
		}
		for i := tok & mask; ; i = (i + 1) & mask {
			if tz.set[i] == tok {
				break
			}
			if tz.set[i] == 0 {
				tz.set[i] = tok
				res = append(res, tok)
				break
			}
		}
	}
	return res
}
