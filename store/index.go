package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// The search index is an inverted index over keyed word tokens. Each message gets a
// document id (docs: id -> fid, uid, date order, plaintext). A token's posting list is a
// sealed run of varint-coded document id deltas: full blocks in postfull (tok || block
// number) and the open block in posttail (tok), rewritten once per token per batch, so a
// bulk insert touches few pages. Deleted messages leave stale ids behind, dropped at query
// time because their docs entry is gone.
const tailMax = 1024 // bytes of deltas before the open block is frozen into postfull

// indexer collects the postings of one write transaction.
type indexer struct {
	post map[string][]uint64 // token -> ascending doc ids
	tz   *tokenizer
}

func newIndexer(t *tokener) *indexer {
	return &indexer{post: map[string][]uint64{}, tz: newTokenizer(t)}
}

// add indexes one document from its fields.
func (ix *indexer) add(doc uint64, e *Envelope, text []byte) {
	ix.addTokens(doc, ix.tz.tokens(e, text))
}

// addTokens indexes one document from its (distinct) tokens.
func (ix *indexer) addTokens(doc uint64, toks []string) {
	for _, tok := range toks {
		ix.post[tok] = append(ix.post[tok], doc)
	}
}

// tokenizer turns a document into its distinct search tokens, caching the keyed hash of
// each word. Not safe for concurrent use.
type tokenizer struct {
	t        *tokener
	shared   *wordCache        // earlier batches' tokens, read-only here; may be nil
	words    map[string]string // folded word -> token
	prefixes map[string]string // folded prefix -> token
	seen     map[string]bool   // tokens of the current document
	out      []string
}

func newTokenizer(t *tokener) *tokenizer {
	return &tokenizer{t: t, words: map[string]string{}, prefixes: map[string]string{}, seen: map[string]bool{}}
}

// wordCache keeps the tokens of words seen in earlier batches, so a batch computes the
// keyed hash of new words only. Only touched under the bbolt write lock (inside update):
// read by the workers of one batch, merged after them. Dropped by Lock.
type wordCache struct {
	words, prefixes map[string]string
}

const wordCacheMax = 400_000 // entries; then start afresh (a few tens of MB at most)

// lookup reads the shared cache (read-only while workers run).
func (wc *wordCache) lookup(kind string, w []byte) (string, bool) {
	if wc == nil {
		return "", false
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

// token returns the cached token of w; the map lookup with string(w) does not allocate.
func (tz *tokenizer) token(cache map[string]string, kind string, w []byte) string {
	if tok, ok := cache[string(w)]; ok {
		return tok
	}
	if tok, ok := tz.shared.lookup(kind, w); ok {
		return tok
	}
	tok := string(tz.t.sum(kind, string(w), wordSize))
	cache[string(w)] = tok
	return tok
}

func (tz *tokenizer) add(tok string) {
	if !tz.seen[tok] {
		tz.seen[tok] = true
		tz.out = append(tz.out, tok)
	}
}

// tokens returns the distinct tokens of a document: every field's words, and prefixes
// of the short fields. The slice is fresh.
func (tz *tokenizer) tokens(e *Envelope, text []byte) []string {
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

// flush appends the collected postings to each token's open block.
func (ix *indexer) flush(tx *bolt.Tx, k *keyring) error {
	full, tail := bucket(tx, k, bucketPostFull), bucket(tx, k, bucketPostTail)
	toks := make([]string, 0, len(ix.post))
	for tok := range ix.post {
		toks = append(toks, tok)
	}
	slices.Sort(toks) // page locality
	for _, tok := range toks {
		key := []byte(tok)
		var block uint32
		var last uint64
		var deltas []byte
		cur, err := tail.getBytes(key)
		if err != nil {
			return err
		}
		if cur != nil {
			if len(cur) < 12 {
				return fmt.Errorf("%w: short posting block", ErrCorrupt)
			}
			block, last, deltas = binary.BigEndian.Uint32(cur), binary.BigEndian.Uint64(cur[4:]), cur[12:]
		}
		for _, doc := range ix.post[tok] {
			if doc <= last && last != 0 {
				continue // already indexed (cannot happen for fresh ids; be safe)
			}
			deltas = binary.AppendUvarint(deltas, doc-last)
			last = doc
			if len(deltas) >= tailMax {
				if err := full.putBytes(cat(key, u32(block)), bytes.Clone(deltas)); err != nil {
					return err
				}
				block++
				deltas, last = nil, 0
			}
		}
		v := binary.BigEndian.AppendUint32(nil, block)
		v = binary.BigEndian.AppendUint64(v, last)
		if err := tail.putBytes(key, append(v, deltas...)); err != nil {
			return err
		}
	}
	return nil
}

// postings returns the ascending doc ids of a token.
func postings(full, tail bkt, tok []byte) ([]uint64, error) {
	var out []uint64
	decode := func(b []byte) error {
		var prev uint64
		for len(b) > 0 {
			d, n := binary.Uvarint(b)
			if n <= 0 {
				return fmt.Errorf("%w: bad posting list", ErrCorrupt)
			}
			b = b[n:]
			prev += d
			out = append(out, prev)
		}
		return nil
	}
	c := full.b.Cursor()
	for key, v := c.Seek(tok); key != nil && bytes.HasPrefix(key, tok); key, v = c.Next() {
		plain, err := full.k.open(full.name, key, v)
		if err != nil {
			return nil, err
		}
		if err := decode(plain); err != nil {
			return nil, err
		}
	}
	cur, err := tail.getBytes(tok)
	if err != nil {
		return nil, err
	}
	if len(cur) >= 12 {
		if err := decode(cur[12:]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func intersect(a, b []uint64) []uint64 {
	out := a[:0:0]
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}

func union(a, b []uint64) []uint64 {
	out := make([]uint64, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			out = append(out, a[i])
			i++
		case a[i] > b[j]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return append(append(out, a[i:]...), b[j:]...)
}

// hit is a resolved search candidate.
type hit struct {
	fid   []byte
	uid   uint32
	order []byte
}

// Search finds messages whose subject, addresses, attachment names, patient name or body
// text contain every word of q.Text, newest first; the last word also matches a prefix of
// a word of the subject, sender name, attachment or patient name (see Query). Text is not
// filled.
func (s *Store) Search(q Query) ([]Envelope, error) {
	var words []string
	foldWords(q.Text, func(w []byte) {
		if !frenchStop[string(w)] {
			words = append(words, string(w))
		}
	})
	if len(words) == 0 {
		return nil, nil
	}
	words = slices.Compact(words)
	prefixLast := !strings.HasSuffix(q.Text, " ")
	limit := q.Limit
	if limit <= 0 {
		limit = 200
	}
	var out []Envelope
	err := s.view(func(tx *bolt.Tx, k *keyring) error {
		m := newMsgTx(tx, k)
		full, tail := bucket(tx, k, bucketPostFull), bucket(tx, k, bucketPostTail)
		var cands []uint64
		for i, w := range words {
			ids, err := postings(full, tail, m.t.sum(tokWord, w, wordSize))
			if err != nil {
				return err
			}
			if i == len(words)-1 && prefixLast {
				p := w
				if len(p) > maxPrefix {
					p = p[:maxPrefix]
				}
				pids, err := postings(full, tail, m.t.sum(tokPrefix, p, wordSize))
				if err != nil {
					return err
				}
				ids = union(ids, pids)
			}
			if i == 0 {
				cands = ids
			} else {
				cands = intersect(cands, ids)
			}
			if len(cands) == 0 {
				return nil
			}
		}
		scope, err := m.scope(q.BAL, q.Folder)
		if err != nil {
			return err
		}
		var hits []hit
		if len(cands) > walkFrom*limit {
			// Many matches: walk the date indexes newest first, keep the candidates.
			if hits, err = m.newestAmong(cands, scope, limit); err != nil {
				return err
			}
		} else {
			hits = m.resolve(cands, scope)
			slices.SortFunc(hits, func(a, b hit) int { return bytes.Compare(a.order, b.order) })
			if len(hits) > limit {
				hits = hits[:limit]
			}
		}
		out = make([]Envelope, 0, len(hits))
		for _, h := range hits {
			rec, err := m.record(msgKey(h.fid, h.uid))
			if err != nil {
				return err
			}
			if rec != nil {
				out = append(out, rec.Env)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: search: %w", err)
	}
	return out, nil
}

// walkFrom: with more than walkFrom*limit candidates, Search walks the date indexes (about
// limit steps per folder) instead of resolving every candidate (a step per candidate).
const walkFrom = 8

// newestAmong merges the date indexes of the folders in scope (every folder if nil),
// newest first, and keeps the messages whose doc id is in cands (ascending), up to limit.
func (m *msgTx) newestAmong(cands []uint64, scope map[string]bool, limit int) ([]hit, error) {
	type head struct {
		fid      []byte
		c        *bolt.Cursor
		key, val []byte
	}
	var heads []*head
	c := m.folders.b.Cursor()
	for fid, _ := c.First(); fid != nil; fid, _ = c.Next() {
		if scope != nil && !scope[string(fid)] {
			continue
		}
		h := &head{fid: bytes.Clone(fid), c: m.bydate.b.Cursor()}
		h.key, h.val = h.c.Seek(h.fid)
		heads = append(heads, h)
	}
	var hits []hit
	for len(hits) < limit {
		var best *head
		for _, h := range heads {
			if h.key == nil || !bytes.HasPrefix(h.key, h.fid) {
				continue
			}
			if best == nil || bytes.Compare(h.key[fidSize:], best.key[fidSize:]) < 0 {
				best = h
			}
		}
		if best == nil {
			break
		}
		if len(best.val) != 8 {
			return nil, fmt.Errorf("%w: date index entry without doc id", ErrCorrupt)
		}
		if _, ok := slices.BinarySearch(cands, binary.BigEndian.Uint64(best.val)); ok {
			hits = append(hits, hit{fid: best.fid, uid: dateKeyUID(best.key), order: bytes.Clone(best.key[fidSize:])})
		}
		best.key, best.val = best.c.Next()
	}
	return hits, nil
}

// scope returns the folder ids a search is limited to; nil means everything.
func (m *msgTx) scope(bal, folder string) (map[string]bool, error) {
	switch {
	case bal == "":
		return nil, nil
	case folder != "":
		return map[string]bool{string(m.fid(bal, folder)): true}, nil
	}
	sc := map[string]bool{}
	c := m.folders.b.Cursor()
	for key, v := c.First(); key != nil; key, v = c.Next() {
		var fr folderRecord
		if err := m.folders.decode(key, v, &fr); err != nil {
			return nil, err
		}
		if fr.Folder.BAL == bal {
			sc[string(key)] = true
		}
	}
	return sc, nil
}

// resolve maps doc ids to live messages, walking the docs bucket with one cursor: Next
// when the wanted id is close, Seek otherwise.
func (m *msgTx) resolve(cands []uint64, scope map[string]bool) []hit {
	hits := make([]hit, 0, len(cands))
	c := m.docs.b.Cursor()
	var key, v []byte
	for _, doc := range cands {
		want := u64(doc)
		for i := 0; key != nil && bytes.Compare(key, want) < 0 && i < 8; i++ {
			key, v = c.Next()
		}
		if key == nil || bytes.Compare(key, want) < 0 {
			key, v = c.Seek(want)
		}
		if key == nil {
			break
		}
		if !bytes.Equal(key, want) || len(v) != fidSize+4+12 {
			continue // deleted message: stale posting
		}
		fid := v[:fidSize]
		if scope != nil && !scope[string(fid)] {
			continue
		}
		hits = append(hits, hit{fid: bytes.Clone(fid), uid: binary.BigEndian.Uint32(v[fidSize:]), order: bytes.Clone(v[fidSize+4:])})
	}
	return hits
}

// ByMessageID returns the cached copies of a Message-ID (one per folder), newest first.
func (s *Store) ByMessageID(id string) ([]Envelope, error) {
	out, err := s.lookup(bucketByID, tokMsgID, id)
	if err != nil {
		return nil, fmt.Errorf("store: by message id: %w", err)
	}
	return out, nil
}

// ByPatient returns the messages linked to a patient INS, newest first.
func (s *Store) ByPatient(ins string) ([]Envelope, error) {
	out, err := s.lookup(bucketByPatient, tokINS, ins)
	if err != nil {
		return nil, fmt.Errorf("store: by patient: %w", err)
	}
	return out, nil
}

func (s *Store) lookup(bucketName, kind, id string) ([]Envelope, error) {
	if id == "" {
		return nil, nil
	}
	var out []Envelope
	err := s.view(func(tx *bolt.Tx, k *keyring) error {
		m := newMsgTx(tx, k)
		prefix := m.t.sum(kind, id, idSize)
		c := bucket(tx, k, bucketName).b.Cursor()
		for key, _ := c.Seek(prefix); key != nil && bytes.HasPrefix(key, prefix); key, _ = c.Next() {
			rec, err := m.record(key[idSize:])
			if err != nil {
				return err
			}
			if rec != nil {
				out = append(out, rec.Env)
			}
		}
		return nil
	})
	slices.SortStableFunc(out, func(a, b Envelope) int { return b.Date.Compare(a.Date) })
	return out, err
}
