package annuaire

// scratch holds per-entry counters for one query. It is sized to the directory and reused
// through a pool: stamps tell which counters belong to the current query, so nothing is
// cleared between queries. One slot per entry keeps a visit to one cache line.
type scratch struct {
	slots   []slot
	bits    [2][]uint64 // intersection bitmaps, a bit per entry (they fit in cache)
	buf     []uint32    // a decoded posting list: id<<1 | name
	touched []uint32
	gen     uint32
}

type slot struct {
	stamp   uint32 // gen<<4 | term+1 of the last visit
	score   uint16
	best    uint16 // best score of the current term
	matched uint8
}

func (d *Directory) getScratch() *scratch {
	if sc, ok := d.scratch.Get().(*scratch); ok {
		return sc
	}
	n := d.info.Entries
	words := (n + 63) / 64
	return &scratch{slots: make([]slot, n), bits: [2][]uint64{make([]uint64, words), make([]uint64, words)}}
}

func (sc *scratch) begin() {
	sc.gen++
	if sc.gen >= 1<<27 {
		for i := range sc.slots {
			sc.slots[i].stamp = 0
		}
		sc.gen = 1
	}
	sc.touched = sc.touched[:0]
}

func has(bits []uint64, id uint32) bool { return bits[id/64]&(1<<(id%64)) != 0 }

// intersect returns a bitmap of the entries found by every plan; the entries of plan
// number score are visited (scored) on the way.
func (sc *scratch) intersect(plans []*termPlan, score int) []uint64 {
	cur, prev := sc.bits[0], sc.bits[1]
	for i, p := range plans {
		clear(cur)
		for _, h := range p.hits {
			if i == 0 || has(prev, h.id) {
				cur[h.id/64] |= 1 << (h.id % 64)
				if i == score {
					sc.visit(h.id, i, h.score)
				}
			}
		}
		for li := range p.lists {
			sc.buf = p.decode(li, sc.buf[:0])
			sn, so := classScore[classOf(p.exact[li], true)], classScore[classOf(p.exact[li], false)]
			for _, v := range sc.buf {
				id := v >> 1
				if i > 0 && prev[id/64]&(1<<(id%64)) == 0 {
					continue
				}
				cur[id/64] |= 1 << (id % 64)
				if i == score {
					if v&1 == 1 {
						sc.visit(id, i, sn)
					} else {
						sc.visit(id, i, so)
					}
				}
			}
		}
		cur, prev = prev, cur
	}
	return prev
}

// visitKnown visits the entries of plan p (term i) that are in bits.
func (sc *scratch) visitKnown(p *termPlan, i int, bits []uint64) {
	for _, h := range p.hits {
		if has(bits, h.id) {
			sc.visit(h.id, i, h.score)
		}
	}
	for li := range p.lists {
		sc.buf = p.decode(li, sc.buf[:0])
		sn, so := classScore[classOf(p.exact[li], true)], classScore[classOf(p.exact[li], false)]
		for _, v := range sc.buf {
			id := v >> 1
			if bits[id/64]&(1<<(id%64)) == 0 {
				continue
			}
			if v&1 == 1 {
				sc.visit(id, i, sn)
			} else {
				sc.visit(id, i, so)
			}
		}
	}
}

// visit records that entry id matches term i with the given score; per term only the best
// score counts.
func (sc *scratch) visit(id uint32, i int, score uint16) {
	base := sc.gen << 4
	mark := base | uint32(i+1)
	s := &sc.slots[id]
	switch st := s.stamp; {
	case st < base:
		*s = slot{stamp: mark, score: score, best: score, matched: 1}
		sc.touched = append(sc.touched, id)
	case st == mark:
		if score > s.best {
			s.score += score - s.best
			s.best = score
		}
	default:
		s.stamp = mark
		s.score += score
		s.best = score
		s.matched++
	}
}

// top returns the n best hits, best first. prefer, when set, ranks the entries it accepts as
// if they had matched one more term (used to bring forward names starting with a letter).
func (sc *scratch) top(n int, prefer func(id uint32) bool) []hit {
	h := make(maxHeap, 0, n+1)
	for _, id := range sc.touched {
		s := &sc.slots[id]
		x := hit{id: id, score: s.score, matched: s.matched}
		k := x.rankKey()
		if prefer != nil && prefer(id) {
			k -= 1 << 48
		}
		if len(h) < n {
			h.push(heapItem{k, x})
		} else if k < h[0].key {
			h[0] = heapItem{k, x}
			h.down(0)
		}
	}
	out := make([]hit, len(h))
	for i := len(h) - 1; i >= 0; i-- {
		out[i] = h.pop().hit
	}
	return out
}

type heapItem struct {
	key uint64
	hit hit
}

// maxHeap keeps the n smallest keys with the largest on top.
type maxHeap []heapItem

func (h *maxHeap) push(x heapItem) {
	*h = append(*h, x)
	i := len(*h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if (*h)[p].key >= (*h)[i].key {
			break
		}
		(*h)[p], (*h)[i] = (*h)[i], (*h)[p]
		i = p
	}
}

func (h *maxHeap) pop() heapItem {
	old := *h
	x := old[0]
	old[0] = old[len(old)-1]
	*h = old[:len(old)-1]
	if len(*h) > 0 {
		h.down(0)
	}
	return x
}

func (h maxHeap) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && h[r].key > h[l].key {
			m = r
		}
		if h[i].key >= h[m].key {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}
