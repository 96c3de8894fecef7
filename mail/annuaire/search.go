package annuaire

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

const (
	maxTerms      = 8
	maxIDMatches  = 1000 // entries an identifier or address prefix may select
	filterBudget  = 2000 // candidates checked against a one-letter term of a longer query
	defaultLimit  = 20
	maxLimit      = 500
	scoreExactID  = 8
	scorePrefixID = 6
)

// Search finds entries matching every word of query, in any order: name (prefix), profession,
// specialty, town or postal code, structure, RPPS/ADELI/FINESS, address words, or a mailbox
// address (when the query contains "@"). Accents, case and punctuation are ignored; the last
// word is treated as a prefix, as the user is still typing it. Results are ranked: more
// matched words first, then exact before prefix, name before other fields, then by name.
// Entries matching only some of the words follow those matching all of them.
func (d *Directory) Search(ctx context.Context, query string, limit int) ([]Result, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	limit = min(limit, maxLimit)
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.db == nil {
		return nil, ErrNotImported
	}
	var out []Result
	err := d.db.View(func(tx *bolt.Tx) error {
		s := &searcher{d: d, tx: tx, ctx: ctx}
		hits, err := s.run(query, limit)
		if err != nil {
			return err
		}
		out = make([]Result, 0, len(hits))
		for _, h := range hits {
			e, err := s.entry(h.id)
			if err != nil {
				return err
			}
			r := e.result()
			r.Score, r.Matched = int(h.score), int(h.matched)
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("annuaire: search: %w", err)
	}
	return out, nil
}

// ByAddress returns the entry owning the mailbox address (case-insensitive).
func (d *Directory) ByAddress(addr string) (Result, bool, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.db == nil {
		return Result{}, false, ErrNotImported
	}
	var (
		r  Result
		ok bool
	)
	err := d.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAddrs)
		if b == nil {
			return nil
		}
		v := b.Get([]byte(strings.ToLower(strings.TrimSpace(addr))))
		if len(v) != 4 {
			return nil
		}
		e, err := (&searcher{d: d, tx: tx}).entry(binary.BigEndian.Uint32(v))
		if err != nil {
			return err
		}
		r, ok = e.result(), true
		return nil
	})
	if err != nil {
		return Result{}, false, fmt.Errorf("annuaire: lookup %s: %w", addr, err)
	}
	return r, ok, nil
}

type hit struct {
	id      uint32
	score   uint16
	matched uint8
}

// rankKey sorts hits best first: more matched terms, higher score, lower id (name order).
func (h hit) rankKey() uint64 {
	return uint64(255-h.matched)<<48 | uint64(65535-h.score)<<32 | uint64(h.id)
}

type searcher struct {
	d   *Directory
	tx  *bolt.Tx
	ctx context.Context
}

func (s *searcher) entry(id uint32) (*entry, error) {
	b := s.tx.Bucket(bucketEntries)
	if b == nil {
		return nil, ErrCorrupt
	}
	var k [4]byte
	binary.BigEndian.PutUint32(k[:], id)
	v := b.Get(k[:])
	if v == nil {
		return nil, ErrCorrupt
	}
	return decodeEntry(v, s.d.values)
}

type term struct {
	text  string
	runes int
}

// parseTerms normalizes the query into at most maxTerms distinct terms; stop words are
// dropped unless last (a prefix being typed) or alone.
func parseTerms(query string) []term {
	words := strings.Fields(Normalize(query))
	var out []term
	for i, w := range words {
		if stopWords[w] && i < len(words)-1 {
			continue
		}
		if slices.ContainsFunc(out, func(t term) bool { return t.text == w }) {
			continue
		}
		out = append(out, term{text: w, runes: utf8.RuneCountInString(w)})
	}
	if len(out) > maxTerms {
		out = out[len(out)-maxTerms:]
	}
	return out
}

func (s *searcher) run(query string, limit int) ([]hit, error) {
	if strings.Contains(query, "@") {
		return s.byAddressPrefix(strings.ToLower(strings.TrimSpace(query)), limit), nil
	}
	terms := parseTerms(query)
	switch {
	case len(terms) == 0:
		return nil, nil
	case len(terms) == 1 && terms[0].runes <= shortMax && !isDigits(terms[0].text):
		return s.shortList(terms[0].text, limit), nil
	}
	var full, filters []term
	for i, t := range terms {
		switch {
		case t.runes > 1 || len(terms) == 1:
			full = append(full, t)
		case i == len(terms)-1:
			filters = append(filters, t) // a letter being typed: "jean d"
		}
		// A single letter inside the query is an elision or an initial ("d'azergues"):
		// not indexed, ignored.
	}
	if len(full) == 0 {
		full, filters = filters, nil
	}
	plans := make([]*termPlan, len(full))
	for i, t := range full {
		plans[i] = s.plan(t)
	}
	// Rarest first: the rarest term finds the candidates; common ones then only need to be
	// checked against them, plus their own best entries for partial matches.
	slices.SortStableFunc(plans, func(a, b *termPlan) int { return a.count - b.count })
	sc := s.d.getScratch()
	defer s.d.scratch.Put(sc)
	sc.begin()
	for i, p := range plans {
		if err := s.ctx.Err(); err != nil {
			return nil, err
		}
		switch {
		case len(plans) == 1 && len(filters) == 0:
			s.visitPlan(sc, i, p, limit, false)
		case i == 0 || p.count <= restrictAbove:
			s.visitPlan(sc, i, p, -1, false)
		default:
			s.visitPlan(sc, i, p, -1, true)
			s.visitPlan(sc, i, p, limit, false)
		}
	}
	if len(filters) == 0 {
		return sc.top(limit, nil), nil
	}
	// A letter after other words is checked on the best candidates only; those whose name
	// starts with the letter are taken first (names are in id order).
	f := filters[0].text
	lo, hi := s.d.initials[f[0]], s.d.initials[int(f[0])+1]
	cands := sc.top(filterBudget, func(id uint32) bool { return id >= lo && id < hi })
	found := 0
	for i := range cands {
		if found >= 2*limit {
			cands = cands[:i]
			break
		}
		e, err := s.entry(cands[i].id)
		if err != nil {
			return nil, err
		}
		if c, ok := matchEntry(e, f); ok {
			cands[i].matched++
			cands[i].score += classScore[c]
			found++
		}
	}
	slices.SortFunc(cands, func(a, b hit) int { return cmpU64(a.rankKey(), b.rankKey()) })
	return cands[:min(limit, len(cands))], nil
}

// restrictAbove is the posting count above which a term that is not the rarest of the query
// is only checked against the entries already found (plus its own best entries).
const restrictAbove = 5000

// termPlan is a term's posting lists, found before any is decoded so terms can be ordered.
type termPlan struct {
	t      term
	lists  [][]byte // postings, count removed
	exact  []bool
	count  int
	digits bool // also look identifiers up
}

func (s *searcher) plan(t term) *termPlan {
	p := &termPlan{t: t, digits: len(t.text) >= 6 && strings.ContainsAny(t.text, "0123456789")}
	if p.digits {
		p.count = maxIDMatches
	}
	b := s.tx.Bucket(bucketTokens)
	if b == nil {
		return p
	}
	prefix := []byte(t.text)
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		n, size := binary.Uvarint(v)
		if size <= 0 {
			continue
		}
		p.lists = append(p.lists, v[size:])
		p.exact = append(p.exact, len(k) == len(prefix))
		p.count += int(n)
	}
	return p
}

// visitPlan feeds term i's entries to sc. With capPer >= 0 only the first capPer name
// entries and capPer other entries of each list are visited: lists are in rank order, so
// that is enough for a term's own best entries. With onlyKnown only entries already found
// by earlier terms are visited.
func (s *searcher) visitPlan(sc *scratch, i int, p *termPlan, capPer int, onlyKnown bool) {
	if p.digits {
		s.scanIDs(sc, i, p.t.text)
		// National identifiers are the RPPS/ADELI number prefixed with 8 or 0.
		if p.t.text[0] == '8' || p.t.text[0] == '0' {
			s.scanIDs(sc, i, p.t.text[1:])
		}
	}
	if p.t.runes == 1 {
		for _, h := range s.shortList(p.t.text, shortCap) {
			if int(h.id) < len(sc.slots) {
				sc.visit(h.id, i, h.score)
			}
		}
		return
	}
	n := uint32(len(sc.slots))
	for li, v := range p.lists {
		sn, so := classScore[classOf(p.exact[li], true)], classScore[classOf(p.exact[li], false)]
		var id uint32
		names, others := 0, 0
		for len(v) > 0 {
			x, k := binary.Uvarint(v)
			if k <= 0 {
				break
			}
			v = v[k:]
			id += uint32(x >> 1)
			if id >= n {
				break
			}
			if onlyKnown && !sc.known(id) {
				continue
			}
			if x&1 == 1 {
				if capPer >= 0 {
					if names >= capPer {
						if others >= capPer {
							break
						}
						continue
					}
					names++
				}
				sc.visit(id, i, sn)
			} else {
				if capPer >= 0 {
					if others >= capPer {
						if names >= capPer {
							break
						}
						continue
					}
					others++
				}
				sc.visit(id, i, so)
			}
		}
	}
}

// scanIDs adds the entries whose RPPS/ADELI number or structure identifier (FINESS, SIRET…)
// starts with text. Keys are the identifier, 0, and the entry id.
func (s *searcher) scanIDs(sc *scratch, i int, text string) {
	b := s.tx.Bucket(bucketIDs)
	if b == nil || text == "" {
		return
	}
	prefix := []byte(text)
	c := b.Cursor()
	n := 0
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && n < maxIDMatches; k, _ = c.Next() {
		if len(k) < len(prefix)+5 || k[len(k)-5] != 0 {
			continue
		}
		id := binary.BigEndian.Uint32(k[len(k)-4:])
		if int(id) >= len(sc.slots) {
			continue
		}
		score := uint16(scorePrefixID)
		if len(k)-5 == len(prefix) {
			score = scoreExactID
		}
		sc.visit(id, i, score)
		n++
	}
}

// shortList returns the pre-ranked entries of a prefix of up to shortMax runes.
func (s *searcher) shortList(prefix string, limit int) []hit {
	b := s.tx.Bucket(bucketShort)
	if b == nil {
		return nil
	}
	v := b.Get([]byte(prefix))
	var out []hit
	for len(v) >= 5 && len(out) < limit {
		c := int(v[4])
		if c > classPrefixOther {
			break
		}
		out = append(out, hit{id: binary.BigEndian.Uint32(v), score: classScore[c], matched: 1})
		v = v[5:]
	}
	return out
}

// byAddressPrefix looks mailbox addresses up by prefix: exact match first, then in order.
func (s *searcher) byAddressPrefix(prefix string, limit int) []hit {
	b := s.tx.Bucket(bucketAddrs)
	if b == nil || prefix == "" {
		return nil
	}
	var out []hit
	c := b.Cursor()
	p := []byte(prefix)
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p) && len(out) < limit; k, v = c.Next() {
		if len(v) != 4 {
			continue
		}
		id := binary.BigEndian.Uint32(v)
		if slices.ContainsFunc(out, func(h hit) bool { return h.id == id }) {
			continue
		}
		score := uint16(scorePrefixID)
		if len(k) == len(p) {
			score = scoreExactID
		}
		out = append(out, hit{id: id, score: score, matched: 1})
	}
	slices.SortStableFunc(out, func(a, b hit) int { return int(b.score) - int(a.score) })
	return out
}

// matchEntry checks a (one-letter) term against the entry's tokens; it returns the best class.
func matchEntry(e *entry, t string) (int, bool) {
	best := -1
	rows := append([]row{e.person}, e.boxes...)
	rowTokens(rows, func(tok string, name bool) {
		if strings.HasPrefix(tok, t) {
			c := classOf(tok == t, name)
			if best < 0 || c < best {
				best = c
			}
		}
	})
	return best, best >= 0
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
