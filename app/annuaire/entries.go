package annuaire

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// group is a directory entry being built: rows[first:first+n] after sorting by group key;
// pfx holds the first 8 bytes of its sort key so most comparisons are one integer compare.
type group struct {
	first, n uint32
	pfx      uint64
}

// prepared is an entry ready to be written: its record and what the indexes need.
type prepared struct {
	val   []byte
	toks  []string // distinct tokens; a leading '\x01' marks a name token
	ppid  string
	addrs []string
	doms  []string // distinct mailbox domains
	sids  []string
}

type preparedBatch struct {
	start int
	items []prepared
	err   error
}

// write groups the rows into entries, sorts them by name, and writes entries and indexes.
// Reading the spilled rows, encoding and tokenizing run in one goroutine while another
// writes the previous batch and fills the indexes: the two halves take about as long.
func (b *builder) write(ctx context.Context, db *bolt.DB, spill *os.File) error {
	groups := b.groupRows()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("annuaire: import cancelled: %w", err)
	}
	initials := b.initials(groups)
	runtime.GC() // return the reading phase's garbage before the largest phase starts

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan preparedBatch, 1)
	go b.prepare(ctx, groups, spill, batches)
	defer func() {
		cancel()
		for range batches { // let the producer finish before the rows are released
		}
	}()

	index := map[string]*postings{}
	ids := newExtSorter(b.dir, sorterRunBytes)
	defer ids.close()
	addrs := newExtSorter(b.dir, sorterRunBytes)
	defer addrs.close()
	domains := newExtSorter(b.dir, sorterRunBytes)
	defer domains.close()
	var nrows int64
	total := int64(len(groups))
	for batch := range batches {
		if batch.err != nil {
			return batch.err
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("annuaire: import cancelled: %w", err)
		}
		var arena txArena
		err := db.Update(func(tx *bolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists(bucketEntries)
			if err != nil {
				return err
			}
			bk.FillPercent = 1
			var key [4]byte
			for i := range batch.items {
				it := &batch.items[i]
				id := uint32(batch.start + i)
				binary.BigEndian.PutUint32(key[:], id)
				if err := bk.Put(arena.copy(key[:]), it.val); err != nil {
					return err
				}
				for _, tok := range it.toks {
					name := tok[0] == 1
					if name {
						tok = tok[1:]
					}
					p := index[tok]
					if p == nil {
						p = &postings{}
						index[strings.Clone(tok)] = p
					}
					p.add(id, name)
				}
				if err := ids.add(it.ppid, id); err != nil {
					return err
				}
				for _, a := range it.addrs {
					if err := addrs.add(a, id); err != nil {
						return err
					}
				}
				for _, dom := range it.doms {
					if err := domains.add(dom, id); err != nil {
						return err
					}
				}
				for _, sid := range it.sids {
					if err := ids.add(sid, id); err != nil {
						return err
					}
				}
				nrows += int64(len(it.addrs))
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("annuaire: write entries: %w", err)
		}
		b.progress(StageIndexing, int64(batch.start+len(batch.items)), total)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("annuaire: import cancelled: %w", err)
	}
	b.report.Entries = int64(len(groups))
	b.report.Rows = nrows
	// The rows are no longer needed: let the collector take them before the index is written.
	b.rows, b.arena, groups = nil, nil, nil

	if err := b.writeIndex(ctx, db, index); err != nil {
		return err
	}
	index = nil
	if err := b.writeKeys(ctx, db, bucketIDs, ids, true); err != nil {
		return err
	}
	if err := b.writeKeys(ctx, db, bucketAddrs, addrs, false); err != nil {
		return err
	}
	if err := b.writeKeys(ctx, db, bucketDomains, domains, true); err != nil {
		return err
	}
	return b.writeMeta(db, initials)
}

// groupRows sorts the rows by group, makes one group per entry, and sorts the groups by name.
func (b *builder) groupRows() []group {
	rows := b.rows
	slices.SortFunc(rows, func(x, y rowMeta) int {
		if x.group != y.group {
			return cmpU64(x.group, y.group)
		}
		return cmpU64(x.offn, y.offn)
	})
	var groups []group
	for i := 0; i < len(rows); {
		j := i + 1
		for j < len(rows) && rows[i].group == rows[j].group {
			j++
		}
		var pfx [8]byte
		copy(pfx[:], b.sortKey(&rows[i]))
		groups = append(groups, group{uint32(i), uint32(j - i), binary.BigEndian.Uint64(pfx[:])})
		i = j
	}
	slices.SortFunc(groups, func(x, y group) int {
		if x.pfx != y.pfx {
			return cmpU64(x.pfx, y.pfx)
		}
		rx, ry := &rows[x.first], &rows[y.first]
		if c := bytes.Compare(b.sortKey(rx), b.sortKey(ry)); c != 0 {
			return c
		}
		return cmpU64(rx.group, ry.group)
	})
	return groups
}

// initials[c] is the first id whose sort key starts with a byte >= c: the entries whose
// name starts with one letter form a contiguous range of ids.
func (b *builder) initials(groups []group) []byte {
	var out []byte
	gi := 0
	for c := 0; c <= 256; c++ {
		for gi < len(groups) && c <= 255 && int(groups[gi].pfx>>56) < c {
			gi++
		}
		if c == 256 {
			gi = len(groups)
		}
		out = binary.BigEndian.AppendUint32(out, uint32(gi))
	}
	return out
}

// prepare reads, encodes and tokenizes the entries batch by batch; it closes out when done.
func (b *builder) prepare(ctx context.Context, groups []group, spill *os.File, out chan<- preparedBatch) {
	defer close(out)
	sr, err := openSpillReader(spill)
	if err != nil {
		out <- preparedBatch{err: err}
		return
	}
	defer sr.close()
	var (
		entRows []row
		toks    = map[string]bool{}
	)
	for start := 0; start < len(groups); start += batchSize {
		if ctx.Err() != nil {
			return
		}
		end := min(start+batchSize, len(groups))
		batch := preparedBatch{start: start, items: make([]prepared, end-start)}
		for gi := start; gi < end; gi++ {
			g := groups[gi]
			entRows = entRows[:0]
			for _, m := range b.rows[g.first : g.first+g.n] {
				off, n := m.span()
				rec, err := sr.row(off, n)
				if err != nil {
					batch.err = err
					out <- batch
					return
				}
				r, err := decodeSpill(rec)
				if err != nil {
					batch.err = err
					out <- batch
					return
				}
				if !hasAddress(entRows, r[colAddress]) {
					entRows = append(entRows, r)
				}
			}
			it := &batch.items[gi-start]
			it.val = encodeEntry(make([]byte, 0, 256), b.dict, entRows)
			clear(toks)
			rowTokens(entRows, func(tok string, name bool) {
				toks[tok] = toks[tok] || name
			})
			it.toks = make([]string, 0, len(toks))
			for tok, name := range toks {
				if name {
					tok = "\x01" + tok
				}
				it.toks = append(it.toks, tok)
			}
			it.ppid = strings.ToLower(entRows[0][colPPID])
			for i := range entRows {
				addr := strings.ToLower(entRows[i][colAddress])
				it.addrs = append(it.addrs, addr)
				if dom := addr[strings.LastIndexByte(addr, '@')+1:]; !slices.Contains(it.doms, dom) {
					it.doms = append(it.doms, dom)
				}
				if sid := entRows[i][colStructID]; sid != "" && !slices.Contains(it.sids, strings.ToLower(sid)) {
					it.sids = append(it.sids, strings.ToLower(sid))
				}
			}
		}
		select {
		case out <- batch:
		case <-ctx.Done():
			return
		}
	}
}

func (b *builder) writeMeta(db *bolt.DB, initials []byte) error {
	return db.Update(func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return fmt.Errorf("annuaire: write meta: %w", err)
		}
		meta := map[string]string{
			"format":   formatVersion,
			"rows":     strconv.FormatInt(b.report.Rows, 10),
			"entries":  strconv.FormatInt(b.report.Entries, 10),
			"bad":      strconv.FormatInt(b.report.BadLines, 10),
			"source":   b.report.Source,
			"imported": b.report.Imported.Format("2006-01-02T15:04:05Z"),
		}
		for k, v := range meta {
			if err := bk.Put([]byte(k), []byte(v)); err != nil {
				return fmt.Errorf("annuaire: write meta: %w", err)
			}
		}
		if err := bk.Put([]byte("initials"), initials); err != nil {
			return fmt.Errorf("annuaire: write meta: %w", err)
		}
		if err := bk.Put([]byte("dict"), b.dict.marshal()); err != nil {
			return fmt.Errorf("annuaire: write meta: %w", err)
		}
		return nil
	})
}
