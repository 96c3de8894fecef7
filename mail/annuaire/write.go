package annuaire

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Buckets of the directory file.
var (
	bucketMeta    = []byte("meta")    // format, counts, dictionary
	bucketEntries = []byte("entries") // uint32 BE id → encoded entry; ids follow name order
	bucketTokens  = []byte("tokens")  // token → uvarint count + postings
	bucketShort   = []byte("short")   // prefix of 1–3 runes → pre-ranked capped postings
	bucketIDs     = []byte("ids")     // RPPS/ADELI number → uint32 BE id
	bucketAddrs   = []byte("addrs")   // lower-cased mailbox address → uint32 BE id
)

const (
	formatVersion = "1"
	batchSize     = 20000 // puts per write transaction: bounds the memory of dirty pages
	shortMax      = 3     // prefixes up to this many runes have pre-ranked lists
	shortCap      = 100   // entries kept per pre-ranked list
)

// txArena hands out byte slices that stay valid until the transaction commits, as bbolt
// requires of the keys and values given to Put, without one allocation per Put: a full chunk
// is left to its slices and a new one started.
type txArena struct{ buf []byte }

func (a *txArena) copy(parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	if cap(a.buf)-len(a.buf) < n {
		a.buf = make([]byte, 0, max(n, 1<<20))
	}
	start := len(a.buf)
	for _, p := range parts {
		a.buf = append(a.buf, p...)
	}
	return a.buf[start:len(a.buf):len(a.buf)]
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// postings accumulates, for one token, the ascending entry ids as uvarint(delta<<1 | name).
type postings struct {
	last  uint32
	count uint32
	buf   []byte
}

func (p *postings) add(id uint32, name bool) {
	v := uint64(id-p.last) << 1
	if name {
		v |= 1
	}
	p.buf = binary.AppendUvarint(p.buf, v)
	p.last = id
	p.count++
}

// keyList collects (key, id) pairs in one arena, to be sorted and written once.
type keyList struct {
	arena []byte
	ents  []keyEnt
}

type keyEnt struct {
	off uint32
	n   uint16
	id  uint32
}

func (k *keyList) add(key string, id uint32) {
	if key == "" || len(key) > 1000 {
		return
	}
	k.ents = append(k.ents, keyEnt{off: uint32(len(k.arena)), n: uint16(len(key)), id: id})
	k.arena = append(k.arena, key...)
}

func (k *keyList) key(e keyEnt) []byte { return k.arena[e.off : e.off+uint32(e.n)] }

func (k *keyList) sort() {
	slices.SortFunc(k.ents, func(a, b keyEnt) int {
		if c := bytes.Compare(k.key(a), k.key(b)); c != 0 {
			return c
		}
		return int(a.id) - int(b.id)
	})
}

// group is a directory entry being built: rows[first:first+n] after sorting by group key.
type group struct{ first, n uint32 }

// write groups the rows into entries, sorts them by name, and writes entries and indexes.
func (b *builder) write(ctx context.Context, db *bolt.DB, spill *os.File) error {
	rows := b.rows
	slices.SortFunc(rows, func(x, y rowMeta) int {
		if c := bytes.Compare(b.groupKey(&x), b.groupKey(&y)); c != 0 {
			return c
		}
		return int(x.off - y.off)
	})
	var groups []group
	for i := 0; i < len(rows); {
		j := i + 1
		for j < len(rows) && bytes.Equal(b.groupKey(&rows[i]), b.groupKey(&rows[j])) {
			j++
		}
		groups = append(groups, group{uint32(i), uint32(j - i)})
		i = j
	}
	slices.SortFunc(groups, func(x, y group) int {
		rx, ry := &rows[x.first], &rows[y.first]
		if c := bytes.Compare(b.sortKey(rx), b.sortKey(ry)); c != 0 {
			return c
		}
		return bytes.Compare(b.groupKey(rx), b.groupKey(ry))
	})
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("annuaire: import cancelled: %w", err)
	}
	// initials[c] is the first id whose sort key starts with a byte >= c: the entries whose
	// name starts with one letter form a contiguous range of ids.
	var initials []byte
	gi := 0
	for c := 0; c <= 256; c++ {
		for gi < len(groups) && c <= 255 && int(b.sortKey(&rows[groups[gi].first])[0]) < c {
			gi++
		}
		if c == 256 {
			gi = len(groups)
		}
		initials = binary.BigEndian.AppendUint32(initials, uint32(gi))
	}

	index := map[string]*postings{}
	var ids, addrs keyList
	toks := map[string]bool{}
	var (
		recBuf  []byte
		entRows []row
		val     []byte
		key     [4]byte
	)
	total := int64(len(groups))
	for start := 0; start < len(groups); start += batchSize {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("annuaire: import cancelled: %w", err)
		}
		end := min(start+batchSize, len(groups))
		var arena txArena
		err := db.Update(func(tx *bolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists(bucketEntries)
			if err != nil {
				return err
			}
			bk.FillPercent = 1
			for gi := start; gi < end; gi++ {
				g := groups[gi]
				id := uint32(gi)
				entRows = entRows[:0]
				for _, m := range rows[g.first : g.first+g.n] {
					recBuf = slices.Grow(recBuf[:0], int(m.n))[:m.n]
					if _, err := spill.ReadAt(recBuf, m.off); err != nil {
						return fmt.Errorf("read temporary file: %w", err)
					}
					r, err := decodeSpill(recBuf)
					if err != nil {
						return err
					}
					if !hasAddress(entRows, r[colAddress]) {
						entRows = append(entRows, r)
					}
				}
				val = encodeEntry(val[:0], b.dict, entRows)
				binary.BigEndian.PutUint32(key[:], id)
				if err := bk.Put(arena.copy(key[:]), arena.copy(val)); err != nil {
					return err
				}
				clear(toks)
				rowTokens(entRows, func(tok string, name bool) {
					toks[tok] = toks[tok] || name
				})
				for tok, name := range toks {
					p := index[tok]
					if p == nil {
						p = &postings{}
						index[strings.Clone(tok)] = p
					}
					p.add(id, name)
				}
				if pp := entRows[0][colPPID]; pp != "" {
					ids.add(strings.ToLower(pp), id)
				}
				for i := range entRows {
					addrs.add(strings.ToLower(entRows[i][colAddress]), id)
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("annuaire: write entries: %w", err)
		}
		b.progress(StageIndexing, int64(end), total)
	}
	b.report.Entries = int64(len(groups))
	b.report.Rows = int64(len(addrs.ents))
	// The rows are no longer needed: let the collector take them before the index is written.
	b.rows, b.arena, rows, groups = nil, nil, nil, nil

	if err := b.writeIndex(ctx, db, index); err != nil {
		return err
	}
	index = nil
	for _, kl := range []struct {
		name []byte
		list *keyList
	}{{bucketIDs, &ids}, {bucketAddrs, &addrs}} {
		kl.list.sort()
		if err := b.writeKeys(ctx, db, kl.name, kl.list); err != nil {
			return err
		}
	}
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

func hasAddress(rows []row, addr string) bool {
	for i := range rows {
		if strings.EqualFold(rows[i][colAddress], addr) {
			return true
		}
	}
	return false
}

func decodeSpill(b []byte) (row, error) {
	var r row
	for i := range r {
		s, rest, err := readString(b)
		if err != nil {
			return r, fmt.Errorf("annuaire: temporary file damaged: %w", err)
		}
		r[i], b = s, rest
	}
	return r, nil
}

// rowTokens calls f for every indexable token of an entry's rows; name is true for the
// tokens of the person's name (or of a structure's name when the entry is a structure).
func rowTokens(rows []row, f func(tok string, name bool)) {
	emit := func(s string, name bool) {
		tokens(s, func(tok string) {
			if indexable(tok) {
				f(tok, name)
			}
		})
	}
	p := &rows[0]
	person := strings.TrimSpace(p[colSurname]+p[colGivenName]) != ""
	emit(p[colSurname], true)
	emit(p[colGivenName], true)
	for i := range rows {
		r := &rows[i]
		emit(r[colProfessionLabel], false)
		emit(r[colSpecialtyLabel], false)
		emit(r[colRaisonSociale], !person)
		emit(r[colEnseigne], !person)
		emit(r[colService], false)
		emit(r[colStructID], false)
		emit(r[colL2], false)
		emit(r[colL3], false)
		emit(r[colL4Street], false)
		emit(r[colL5], false)
		emit(r[colL6], false)
		emit(r[colPostalCode], false)
	}
}

// writeIndex writes the posting lists in key order, and the pre-ranked lists of the short
// prefixes computed on the way (tokens sharing a prefix are adjacent in key order).
func (b *builder) writeIndex(ctx context.Context, db *bolt.DB, index map[string]*postings) error {
	keys := make([]string, 0, len(index))
	for k := range index {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	short := newShortBuilder()
	total := int64(len(keys))
	var val []byte
	for start := 0; start < len(keys); start += batchSize {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("annuaire: import cancelled: %w", err)
		}
		end := min(start+batchSize, len(keys))
		var arena txArena
		err := db.Update(func(tx *bolt.Tx) error {
			bt, err := tx.CreateBucketIfNotExists(bucketTokens)
			if err != nil {
				return err
			}
			bs, err := tx.CreateBucketIfNotExists(bucketShort)
			if err != nil {
				return err
			}
			bt.FillPercent, bs.FillPercent = 1, 1
			for _, k := range keys[start:end] {
				p := index[k]
				val = binary.AppendUvarint(val[:0], uint64(p.count))
				if err := bt.Put([]byte(k), arena.copy(val, p.buf)); err != nil {
					return err
				}
				if err := short.add(bs, k, p.buf); err != nil {
					return err
				}
				delete(index, k)
			}
			if end == len(keys) {
				return short.flush(bs, 0)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("annuaire: write index: %w", err)
		}
		b.progress(StageWriting, int64(end), total)
	}
	return nil
}

// writeKeys writes a sorted key list into bucket name (duplicate keys keep the first id).
func (b *builder) writeKeys(ctx context.Context, db *bolt.DB, name []byte, kl *keyList) error {
	var val [4]byte
	for start := 0; start < len(kl.ents); start += batchSize {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("annuaire: import cancelled: %w", err)
		}
		end := min(start+batchSize, len(kl.ents))
		var arena txArena
		err := db.Update(func(tx *bolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists(name)
			if err != nil {
				return err
			}
			bk.FillPercent = 1
			for i := start; i < end; i++ {
				e := kl.ents[i]
				if i > 0 && bytes.Equal(kl.key(e), kl.key(kl.ents[i-1])) {
					continue
				}
				binary.BigEndian.PutUint32(val[:], e.id)
				if err := bk.Put(kl.key(e), arena.copy(val[:])); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("annuaire: write %s: %w", name, err)
		}
	}
	if len(kl.ents) == 0 {
		return db.Update(func(tx *bolt.Tx) error {
			_, err := tx.CreateBucketIfNotExists(name)
			return err
		})
	}
	return nil
}
