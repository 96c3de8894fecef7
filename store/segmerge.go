package store

import (
	"bytes"
	"container/heap"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// segIter walks one segment's entries in token order, one sealed chunk in memory at a time.
type segIter struct {
	seg    []byte // 4-byte segment number, the key prefix
	order  int    // position among the segments: ids ascend with it
	c      *bolt.Cursor
	chunk  []byte // rest of the current chunk's plaintext
	tok    uint64
	deltas []byte
	begun  bool
}

// next moves to the next entry; false at the end of the segment.
func (it *segIter) next(segs bkt) (bool, error) {
	for len(it.chunk) == 0 {
		var key, v []byte
		if it.begun {
			key, v = it.c.Next()
		} else {
			key, v = it.c.Seek(it.seg)
			it.begun = true
		}
		if key == nil || !bytes.HasPrefix(key, it.seg) {
			return false, nil
		}
		plain, err := segs.k.open(segs.name, key, v)
		if err != nil {
			return false, err
		}
		it.chunk = plain
	}
	if len(it.chunk) < wordSize {
		return false, fmt.Errorf("%w: short segment entry", ErrCorrupt)
	}
	tok := binary.BigEndian.Uint64(it.chunk[:wordSize])
	n, m := binary.Uvarint(it.chunk[wordSize:])
	if m <= 0 || n > uint64(len(it.chunk)-wordSize-m) {
		return false, fmt.Errorf("%w: bad segment entry", ErrCorrupt)
	}
	it.tok, it.deltas = tok, it.chunk[wordSize+m:wordSize+m+int(n)]
	it.chunk = it.chunk[wordSize+m+int(n):]
	return true, nil
}

// segHeap orders the iterators by current token, then segment order.
type segHeap []*segIter

func (h segHeap) Len() int { return len(h) }
func (h segHeap) Less(i, j int) bool {
	return h[i].tok < h[j].tok || h[i].tok == h[j].tok && h[i].order < h[j].order
}
func (h segHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *segHeap) Push(x any)   { *h = append(*h, x.(*segIter)) }
func (h *segHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}

// compact merges every segment into the tokens' open blocks (posttail), freezing full
// ones into postfull, then empties postseg. It streams a k-way merge of the segments in
// token order, so its memory is one chunk per segment and one token's ids, whatever the
// number of segments (a whole-map merge of 64 batches cost ~100 MB).
func compact(tx *bolt.Tx, k *sealKeys) error {
	segs := bucket(tx, k, bucketPostSeg)
	full, tail := bucket(tx, k, bucketPostFull), bucket(tx, k, bucketPostTail)
	var h segHeap
	c := segs.b.Cursor()
	for key, _ := c.First(); key != nil; {
		seg := bytes.Clone(key[:4])
		it := &segIter{seg: seg, order: len(h), c: segs.b.Cursor()}
		ok, err := it.next(segs)
		if err != nil {
			return err
		}
		if ok {
			h = append(h, it)
		}
		n := binary.BigEndian.Uint32(seg)
		if n == ^uint32(0) {
			break
		}
		key, _ = c.Seek(u32(n + 1)) // the next segment

	}
	heap.Init(&h)
	var ids []uint64
	for h.Len() > 0 {
		tok := h[0].tok
		ids = ids[:0]
		for h.Len() > 0 && h[0].tok == tok {
			it := h[0]
			var err error
			if ids, err = decodeDeltas(it.deltas, ids); err != nil {
				return err
			}
			ok, err := it.next(segs)
			if err != nil {
				return err
			}
			if ok {
				heap.Fix(&h, 0)
			} else {
				heap.Pop(&h)
			}
		}
		if err := appendTail(full, tail, tok, ids); err != nil {
			return err
		}
	}
	if err := tx.DeleteBucket([]byte(bucketPostSeg)); err != nil {
		return err
	}
	_, err := tx.CreateBucket([]byte(bucketPostSeg))
	return err
}
