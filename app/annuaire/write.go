package annuaire

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Buckets of the directory file.
var (
	bucketMeta    = []byte("meta")    // format, counts, dictionary
	bucketEntries = []byte("entries") // uint32 BE id → encoded entry; ids follow name order
	bucketTokens  = []byte("tokens")  // token → uvarint count, uvarint name count, postings
	bucketShort   = []byte("short")   // prefix of 1–3 runes → pre-ranked capped postings
	bucketIDs     = []byte("ids")     // RPPS/ADELI number → uint32 BE id
	bucketAddrs   = []byte("addrs")   // lower-cased mailbox address → uint32 BE id
	bucketDomains = []byte("domains") // lower-cased mailbox domain‖0‖uint32 BE id
)

const (
	formatVersion = "2"
	batchSize     = 8192 // entries or keys per write transaction: bounds memory in flight
	// sorterRunBytes bounds each in-memory run of the identifier and address sorters.
	sorterRunBytes = 6 << 20
	shortMax       = 3   // prefixes up to this many runes have pre-ranked lists
	shortCap       = 100 // entries kept per pre-ranked list
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
	names uint32
	buf   []byte
}

func (p *postings) add(id uint32, name bool) {
	v := uint64(id-p.last) << 1
	if name {
		v |= 1
		p.names++
	}
	p.buf = binary.AppendUvarint(p.buf, v)
	p.last = id
	p.count++
}

func hasAddress(rows []row, addr string) bool {
	for i := range rows {
		if strings.EqualFold(rows[i][colAddress], addr) {
			return true
		}
	}
	return false
}

// decodeSpill decodes a spilled row; its columns share one string (one allocation per row).
func decodeSpill(b []byte) (row, error) {
	var r row
	str := string(b)
	pos := 0
	for i := range r {
		n, k := binary.Uvarint(b[pos:])
		if k <= 0 || n > uint64(len(b)-pos-k) {
			return r, fmt.Errorf("annuaire: temporary file damaged: %w", errCorruptRecord)
		}
		pos += k
		r[i] = str[pos : pos+int(n)]
		pos += int(n)
	}
	return r, nil
}

// rowTokens calls f for every indexable token of an entry's rows; name is true for the
// tokens of the person's name (or of a structure's name when the entry is a structure).
func rowTokens(rows []row, f func(tok string, name bool)) {
	emit := func(s string, name bool) {
		tokens(s, func(tok string, _ bool) {
			if indexable(tok) {
				f(tok, name)
			}
		})
	}
	// The town (L6: postal code and town) ranks its compound place names ("saintetienne")
	// with the names: a town query finds the town before a street named after it.
	town := func(s string) {
		tokens(s, func(tok string, compound bool) {
			if indexable(tok) {
				f(tok, compound)
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
		emit(r[colL2], false)
		emit(r[colL3], false)
		emit(r[colL4Street], false)
		emit(r[colL5], false)
		town(r[colL6])
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
				val = binary.AppendUvarint(val, uint64(p.names))
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

// writeKeys writes the sorted pairs of es into bucket name. With composite, a key is the
// text followed by 0 and the id (identifiers shared by several entries, e.g. a FINESS);
// otherwise the key is the text and the value the id (duplicates keep the lowest id).
func (b *builder) writeKeys(ctx context.Context, db *bolt.DB, name []byte, es *extSorter, composite bool) error {
	tx, err := db.Begin(true)
	if err != nil {
		return fmt.Errorf("annuaire: write %s: %w", name, err)
	}
	defer func() { tx.Rollback() }()
	bk, err := tx.CreateBucketIfNotExists(name)
	if err != nil {
		return fmt.Errorf("annuaire: write %s: %w", name, err)
	}
	bk.FillPercent = 1
	var (
		arena txArena
		prev  []byte
		n     int
		idb   [4]byte
	)
	err = es.each(func(key []byte, id uint32) error {
		binary.BigEndian.PutUint32(idb[:], id)
		var k, v []byte
		if composite {
			k, v = arena.copy(key, []byte{0}, idb[:]), nil
		} else {
			k, v = arena.copy(key), arena.copy(idb[:])
		}
		if bytes.Equal(k, prev) {
			return nil // same entry twice, or (addresses) the first entry wins
		}
		if err := bk.Put(k, v); err != nil {
			return err
		}
		prev = k
		if n++; n%batchSize == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("annuaire: import cancelled: %w", err)
			}
			if err := tx.Commit(); err != nil {
				return err
			}
			arena = txArena{}
			if tx, err = db.Begin(true); err != nil {
				return err
			}
			if bk, err = tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
			bk.FillPercent = 1
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("annuaire: write %s: %w", name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("annuaire: write %s: %w", name, err)
	}
	return nil
}
