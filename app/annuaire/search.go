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
	// alt is the word searched instead when a "saint X" compound (text) is indexed nowhere:
	// X alone, as before compounds existed.
	alt string
}

// parseTerms normalizes the query into at most maxTerms distinct terms; stop words are
// dropped unless last (a prefix being typed) or alone. A saint word and the word after it
// make one compound term ("saint etienne" → "saintetienne"), as the index holds them.
func parseTerms(query string) []term {
	words := strings.Fields(Normalize(query))
	var out []term
	for i := 0; i < len(words); i++ {
		w, alt := words[i], ""
		if p := saintPrefix(w); p != "" && i+1 < len(words) {
			i++
			w, alt = p+words[i], words[i]
		} else if stopWords[w] && i < len(words)-1 {
			continue
		}
		if slices.ContainsFunc(out, func(t term) bool { return t.text == w }) {
			continue
		}
		out = append(out, term{text: w, runes: utf8.RuneCountInString(w), alt: alt})
	}
	if len(out) > maxTerms {
		out = out[len(out)-maxTerms:]
	}
	return out
}

func (s *searcher) run(query string, limit int) ([]hit, error) {
	if strings.Contains(query, "@") {
		q := strings.ToLower(strings.TrimSpace(query))
		if dom, ok := strings.CutPrefix(q, "@"); ok {
			return s.byDomainPrefix(dom, limit), nil
		}
		return s.byAddressPrefix(q, limit), nil
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
		if plans[i].count == 0 && t.alt != "" { // a directory imported before compounds
			plans[i] = s.plan(term{text: t.alt, runes: utf8.RuneCountInString(t.alt)})
		}
	}
	// Rarest first, so that the intersection shrinks as early as possible.
	slices.SortStableFunc(plans, func(a, b *termPlan) int { return a.count - b.count })
	sc := s.d.getScratch()
	defer s.d.scratch.Put(sc)
	sc.begin()
	if len(plans) == 1 && len(filters) == 0 {
		// One word: its lists are in rank order, the first entries of each are the best.
		plans[0].each(limit, func(id uint32, score uint16) { sc.visit(id, 0, score) })
		return sc.top(limit, nil), nil
	}
	// The entries matching every word: intersect the posting lists in bitmaps, decoding
	// them in order (cheap) rather than counting in the scratch slots (a cache miss each).
	// The last (most common) word is scored while intersecting; the others once more, on
	// the intersection only. Partial matches rank after full ones: each word's own best
	// entries suffice for them.
	last := len(plans) - 1
	both := sc.intersect(plans, last)
	if len(filters) == 0 {
		plans[last].each(limit, func(id uint32, score uint16) { sc.visit(id, last, score) })
	}
	for i, p := range plans[:last] {
		if err := s.ctx.Err(); err != nil {
			return nil, err
		}
		sc.visitKnown(p, i, both)
		if len(filters) == 0 {
			p.each(limit, func(id uint32, score uint16) { sc.visit(id, i, score) })
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

// termPlan is a term's posting lists, found before any is decoded so terms can be ordered.
type termPlan struct {
	t      term
	hits   []hit    // identifier matches, or a one-letter word's pre-ranked entries
	lists  [][]byte // postings, header removed
	exact  []bool
	counts []int // entries per list
	names  []int // name entries per list
	count  int
	n      uint32 // entries in the directory: larger ids are damaged data
}

func (s *searcher) plan(t term) *termPlan {
	p := &termPlan{t: t, n: uint32(s.d.info.Entries)}
	if t.runes == 1 {
		for _, h := range s.shortList(t.text, shortCap) {
			if h.id < p.n {
				p.hits = append(p.hits, h)
			}
		}
		p.count = len(p.hits)
		return p
	}
	if len(t.text) >= 6 && strings.ContainsAny(t.text, "0123456789") {
		p.hits = s.scanIDs(t.text, p.n)
		// National identifiers are the RPPS/ADELI number prefixed with 8 or 0.
		if t.text[0] == '8' || t.text[0] == '0' {
			p.hits = append(p.hits, s.scanIDs(t.text[1:], p.n)...)
		}
		p.count = len(p.hits)
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
		names, size2 := binary.Uvarint(v[size:])
		if size2 <= 0 || names > n || n > uint64(len(v)) {
			continue
		}
		p.lists = append(p.lists, v[size+size2:])
		p.exact = append(p.exact, len(k) == len(prefix))
		p.counts = append(p.counts, int(n))
		p.names = append(p.names, int(names))
		p.count += int(n)
	}
	return p
}

// each calls fn with the term's entries and the score of their match. With capPer >= 0
// only the first capPer name entries and capPer other entries of each list are given:
// lists are in rank order, so that is enough for the term's own best entries.
func (p *termPlan) each(capPer int, fn func(id uint32, score uint16)) {
	for _, h := range p.hits {
		fn(h.id, h.score)
	}
	for li, v := range p.lists {
		sn, so := classScore[classOf(p.exact[li], true)], classScore[classOf(p.exact[li], false)]
		var id uint32
		// Count as already taken what the list does not have, to stop at the right time.
		names, others := max(0, capPer-p.names[li]), max(0, capPer-(p.counts[li]-p.names[li]))
		for len(v) > 0 {
			x, k := binary.Uvarint(v)
			if k <= 0 {
				break
			}
			v = v[k:]
			id += uint32(x >> 1)
			if id >= p.n {
				break
			}
			if capPer >= 0 {
				if x&1 == 1 {
					if names >= capPer {
						if others >= capPer {
							break
						}
						continue
					}
					names++
				} else {
					if others >= capPer {
						if names >= capPer {
							break
						}
						continue
					}
					others++
				}
			}
			if x&1 == 1 {
				fn(id, sn)
			} else {
				fn(id, so)
			}
		}
	}
}

// scanIDs adds the entries whose RPPS/ADELI number or structure identifier (FINESS, SIRET…)
// starts with text. Keys are the identifier, 0, and the entry id.
func (s *searcher) scanIDs(text string, n uint32) []hit {
	b := s.tx.Bucket(bucketIDs)
	if b == nil || text == "" {
		return nil
	}
	var out []hit
	prefix := []byte(text)
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(out) < maxIDMatches; k, _ = c.Next() {
		if len(k) < len(prefix)+5 || k[len(k)-5] != 0 {
			continue
		}
		id := binary.BigEndian.Uint32(k[len(k)-4:])
		if id >= n {
			continue
		}
		score := uint16(scorePrefixID)
		if len(k)-5 == len(prefix) {
			score = scoreExactID
		}
		out = append(out, hit{id: id, score: score, matched: 1})
	}
	return out
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

// byDomainPrefix finds the entries with a mailbox in a domain starting with prefix
// ("@medecin.mssante.fr", "@ch-"): the domain itself first, then in name order. A directory
// imported before the domain index is scanned by address instead.
func (s *searcher) byDomainPrefix(prefix string, limit int) []hit {
	if prefix == "" {
		return nil
	}
	var out []hit
	seen := map[uint32]bool{}
	add := func(id uint32, exact bool) {
		if seen[id] || id >= uint32(s.d.info.Entries) {
			return
		}
		seen[id] = true
		score := uint16(scorePrefixID)
		if exact {
			score = scoreExactID
		}
		out = append(out, hit{id: id, score: score, matched: 1})
	}
	p := []byte(prefix)
	if b := s.tx.Bucket(bucketDomains); b != nil {
		c := b.Cursor()
		for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p) && len(out) < maxIDMatches; k, _ = c.Next() {
			if len(k) < len(p)+5 || k[len(k)-5] != 0 {
				continue
			}
			add(binary.BigEndian.Uint32(k[len(k)-4:]), len(k)-5 == len(p))
		}
	} else if b := s.tx.Bucket(bucketAddrs); b != nil {
		c := b.Cursor()
		for k, v := c.First(); k != nil && len(out) < maxIDMatches; k, v = c.Next() {
			at := bytes.LastIndexByte(k, '@')
			if at < 0 || len(v) != 4 || !bytes.HasPrefix(k[at+1:], p) {
				continue
			}
			add(binary.BigEndian.Uint32(v), len(k)-at-1 == len(p))
		}
	}
	slices.SortFunc(out, func(a, b hit) int { return cmpU64(a.rankKey(), b.rankKey()) })
	return out[:min(limit, len(out))]
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

// decode appends list li's entries as id<<1 | name, in one tight loop.
func (p *termPlan) decode(li int, out []uint32) []uint32 {
	v := p.lists[li]
	out = slices.Grow(out, p.counts[li])
	var id uint32
	for i := 0; i < len(v); {
		x := uint64(v[i])
		i++
		if x >= 0x80 {
			var k int
			x, k = binary.Uvarint(v[i-1:])
			if k <= 0 {
				break
			}
			i += k - 1
		}
		id += uint32(x >> 1)
		if id >= p.n {
			break
		}
		out = append(out, id<<1|uint32(x&1))
	}
	return out
}
