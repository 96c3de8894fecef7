package store

import (
	"bytes"

	bolt "go.etcd.io/bbolt"
)

// bbolt cursors cannot skip n keys, so a page deep in a large folder would walk every key
// before it. Page keeps, per folder, every anchorStep-th key of the date index in memory
// (dates and UIDs only, which the file shows anyway) and starts from the nearest one.
//
// Anchors are tagged with the date index's bucket sequence, which every transaction that
// changes the index bumps (msgTx.touchDates): read in the same transaction as the keys, it
// names the snapshot of the index, so anchors are reused exactly while the index is
// unchanged. Writes that leave it alone (audit journal, settings, patients, outbox, flags
// stored in place) keep them: before, any committed write made the next jump deep in a
// large folder walk the whole folder again.
const anchorStep = 512

type folderAnchors struct {
	gen  uint64
	keys [][]byte // keys[j] is the date index key at position j*anchorStep
}

// anchorsFor returns the anchors of fid valid for gen, building them with c if needed.
func (s *Store) anchorsFor(c *bolt.Cursor, fid []byte, gen uint64) [][]byte {
	s.anchorMu.Lock()
	a, ok := s.anchors[string(fid)]
	s.anchorMu.Unlock()
	if ok && a.gen == gen {
		return a.keys
	}
	var keys [][]byte
	n := 0
	for key, _ := c.Seek(fid); key != nil && bytes.HasPrefix(key, fid); key, _ = c.Next() {
		if n%anchorStep == 0 {
			keys = append(keys, bytes.Clone(key))
		}
		n++
	}
	s.anchorMu.Lock()
	if s.anchors == nil {
		s.anchors = map[string]folderAnchors{}
	}
	s.anchors[string(fid)] = folderAnchors{gen: gen, keys: keys}
	s.anchorMu.Unlock()
	return keys
}
