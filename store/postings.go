package store

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// The search index is an inverted index over keyed word tokens. Each message gets a
// document id (docs: id -> fid, uid, date order, plaintext). A token's posting list is
// sealed runs of varint-coded document id deltas: frozen blocks in postfull (tok || block
// number), the open block in posttail (tok), and the latest batches' segments in postseg
// (seg || tok), merged into the blocks every segMax batches. Deleted messages leave stale
// ids behind, dropped at query time because their docs entry is gone (RebuildIndex
// reclaims them).
const tailMax = 1024 // bytes of deltas before the open block is frozen into postfull

// indexer collects the postings of one write transaction.
type indexer struct {
	post map[uint64][]uint64 // token -> ascending doc ids
	tz   *tokenizer
}

func newIndexer(t *tokener) *indexer {
	return &indexer{post: map[uint64][]uint64{}, tz: newTokenizer(t)}
}

// add indexes one document from its fields.
func (ix *indexer) add(doc uint64, e *Envelope, text []byte) {
	ix.addTokens(doc, ix.tz.tokens(e, string(text)))
}

// addTokens indexes one document from its (distinct) tokens.
func (ix *indexer) addTokens(doc uint64, toks []uint64) {
	for _, tok := range toks {
		ix.post[tok] = append(ix.post[tok], doc)
	}
}

// segMax is how many segments accumulate before they are merged into the per-token blocks.
const segMax = 64

// segChunk is the plaintext size of a segment chunk: one sealed value per ~4 KB of
// postings instead of one per token keeps batches cheap (fewer seals and keys).
const segChunk = 4096

// flush writes the batch's postings as one new segment: sealed chunks of entries
// tok(8) | uvarint length | deltas, sorted by token, keyed seg | first token of the chunk.
// Keys grow with seg, so a batch appends pages at the end of postseg instead of rewriting
// a page per token across the index (a long-tail vocabulary would dirty all of it at every
// batch). Every segMax segments, compact merges them into postfull/posttail.
func (ix *indexer) flush(tx *bolt.Tx, k *sealKeys) error {
	if len(ix.post) == 0 {
		return nil
	}
	segs := bucket(tx, k, bucketPostSeg)
	segs.b.FillPercent = 1 // append only
	seq, err := segs.b.NextSequence()
	if err != nil {
		return err
	}
	seg := u32(uint32(seq))
	toks := make([]uint64, 0, len(ix.post))
	for tok := range ix.post {
		toks = append(toks, tok)
	}
	slices.Sort(toks)
	var chunk []byte
	var first uint64
	put := func() error {
		if len(chunk) == 0 {
			return nil
		}
		err := segs.putBytes(cat(seg, u64(first)), chunk)
		chunk = chunk[:0]
		return err
	}
	var deltas []byte
	for _, tok := range toks {
		deltas = deltas[:0]
		var last uint64
		for _, doc := range ix.post[tok] {
			deltas = binary.AppendUvarint(deltas, doc-last)
			last = doc
		}
		if len(chunk) == 0 {
			first = tok
		}
		chunk = binary.BigEndian.AppendUint64(chunk, tok)
		chunk = binary.AppendUvarint(chunk, uint64(len(deltas)))
		chunk = append(chunk, deltas...)
		if len(chunk) >= segChunk {
			if err := put(); err != nil {
				return err
			}
		}
	}
	if err := put(); err != nil {
		return err
	}
	firstKey, _ := segs.b.Cursor().First()
	if seq-uint64(binary.BigEndian.Uint32(firstKey[:4]))+1 >= segMax {
		return compact(tx, k)
	}
	return nil
}

// chunkEntries calls fn for each entry of a segment chunk, stopping when fn returns false.
func chunkEntries(chunk []byte, fn func(tok uint64, deltas []byte) bool) error {
	for len(chunk) > 0 {
		if len(chunk) < wordSize {
			return fmt.Errorf("%w: short segment entry", ErrCorrupt)
		}
		tok := binary.BigEndian.Uint64(chunk[:wordSize])
		n, m := binary.Uvarint(chunk[wordSize:])
		if m <= 0 || n > uint64(len(chunk)-wordSize-m) {
			return fmt.Errorf("%w: bad segment entry", ErrCorrupt)
		}
		body := chunk[wordSize+m : wordSize+m+int(n)]
		chunk = chunk[wordSize+m+int(n):]
		if !fn(tok, body) {
			return nil
		}
	}
	return nil
}

// appendToTails appends ascending doc ids to each token's open block.
func appendToTails(tx *bolt.Tx, k *sealKeys, post map[uint64][]uint64) error {
	full, tail := bucket(tx, k, bucketPostFull), bucket(tx, k, bucketPostTail)
	toks := make([]uint64, 0, len(post))
	for tok := range post {
		toks = append(toks, tok)
	}
	slices.Sort(toks) // page locality
	for _, tok := range toks {
		if err := appendTail(full, tail, tok, post[tok]); err != nil {
			return err
		}
	}
	return nil
}

// appendTail appends ascending doc ids to one token's open block.
func appendTail(full, tail bkt, tok uint64, ids []uint64) error {
	key := u64(tok)
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
	for _, doc := range ids {
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
	return tail.putBytes(key, append(v, deltas...))
}

// decodeDeltas appends the ids of a delta list (first delta from 0) to out.
func decodeDeltas(b []byte, out []uint64) ([]uint64, error) {
	var prev uint64
	for len(b) > 0 {
		d, n := binary.Uvarint(b)
		if n <= 0 {
			return out, fmt.Errorf("%w: bad posting list", ErrCorrupt)
		}
		b = b[n:]
		prev += d
		out = append(out, prev)
	}
	return out, nil
}

// postIndex is the three posting buckets of a transaction.
type postIndex struct{ full, tail, segs bkt }

func postBuckets(tx *bolt.Tx, k *sealKeys) postIndex {
	return postIndex{bucket(tx, k, bucketPostFull), bucket(tx, k, bucketPostTail), bucket(tx, k, bucketPostSeg)}
}

// postings returns the ascending doc ids of a token: frozen blocks, the open block, then
// the segments not yet compacted (at most segMax lookups).
func (px postIndex) postings(tok []byte) ([]uint64, error) {
	var out []uint64
	c := px.full.b.Cursor()
	for key, v := c.Seek(tok); key != nil && bytes.HasPrefix(key, tok); key, v = c.Next() {
		plain, err := px.full.k.open(px.full.name, key, v)
		if err != nil {
			return nil, err
		}
		if out, err = decodeDeltas(plain, out); err != nil {
			return nil, err
		}
	}
	cur, err := px.tail.getBytes(tok)
	if err != nil {
		return nil, err
	}
	if len(cur) >= 12 {
		if out, err = decodeDeltas(cur[12:], out); err != nil {
			return nil, err
		}
	}
	sc := px.segs.b.Cursor()
	first, _ := sc.First()
	lastKey, _ := sc.Last()
	if first == nil {
		return out, nil
	}
	want64 := binary.BigEndian.Uint64(tok)
	for seg := binary.BigEndian.Uint32(first[:4]); seg <= binary.BigEndian.Uint32(lastKey[:4]); seg++ {
		// The chunk holding tok starts at tok or at the last key before it in this segment.
		want := cat(u32(seg), tok)
		key, v := sc.Seek(want)
		if !bytes.Equal(key, want) {
			key, v = sc.Prev()
			if key == nil || binary.BigEndian.Uint32(key[:4]) != seg {
				continue
			}
		}
		plain, err := px.segs.k.open(px.segs.name, key, v)
		if err != nil {
			return nil, err
		}
		var derr error
		err = chunkEntries(plain, func(t uint64, deltas []byte) bool {
			if t == want64 {
				out, derr = decodeDeltas(deltas, out)
				return false
			}
			return t < want64
		})
		if err = cmp.Or(err, derr); err != nil {
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
