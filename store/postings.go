package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

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
