package annuaire

// scratch holds per-entry counters for one query. It is sized to the directory and reused
// through a pool: stamps tell which counters belong to the current query, so nothing is
// cleared between queries.
type scratch struct {
	stamp   []uint32 // gen<<4 | term+1 of the last visit
	score   []uint16
	best    []uint16 // best score of the current term
	matched []uint8
	touched []uint32
	gen     uint32
}

func (d *Directory) getScratch() *scratch {
	if sc, ok := d.scratch.Get().(*scratch); ok {
		return sc
	}
	n := d.info.Entries
	return &scratch{
		stamp: make([]uint32, n), score: make([]uint16, n), best: make([]uint16, n),
		matched: make([]uint8, n),
	}
}

func (sc *scratch) begin() {
	sc.gen++
	if sc.gen >= 1<<27 {
		clear(sc.stamp)
		sc.gen = 1
	}
	sc.touched = sc.touched[:0]
}

// visit records that entry id matches term i with the given score; per term only the best
// score counts.
func (sc *scratch) visit(id uint32, i int, score uint16) {
	base := sc.gen << 4
	mark := base | uint32(i+1)
	switch st := sc.stamp[id]; {
	case st < base:
		sc.stamp[id] = mark
		sc.score[id], sc.best[id], sc.matched[id] = score, score, 1
		sc.touched = append(sc.touched, id)
	case st == mark:
		if score > sc.best[id] {
			sc.score[id] += score - sc.best[id]
			sc.best[id] = score
		}
	default:
		sc.stamp[id] = mark
		sc.score[id] += score
		sc.best[id] = score
		sc.matched[id]++
	}
}

// top returns the n best hits, best first. prefer, when set, ranks the entries it accepts as
// if they had matched one more term (used to bring forward names starting with a letter).
func (sc *scratch) top(n int, prefer func(id uint32) bool) []hit {
	h := make(maxHeap, 0, n+1)
	for _, id := range sc.touched {
		x := hit{id: id, score: sc.score[id], matched: sc.matched[id]}
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
