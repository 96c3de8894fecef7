package store

import (
	"bytes"
	"encoding/binary"
)

// chunks checks the streamed bodies. Keys sort a manifest (fid | uid) right before its
// chunks (fid | uid | index), so one pass sees each body whole: every chunk follows its
// manifest, authenticates at its index with the manifest's generation (the last one as
// final), has the chunk size (the last one at most), and a complete body has every chunk
// up to the manifest's count and its size. A pending manifest (a write in progress or cut
// short) has only full, non-final chunks.
func (c *checker) chunks() error {
	b := chunkBucket(c.tx, c.k)
	var (
		mk    []byte        // the manifest's key, nil before the first
		man   *bodyManifest // nil if it did not authenticate (its chunks are not checked)
		next  uint32        // the chunk index expected next
		total int64
	)
	finish := func() {
		if man == nil || man.Pending {
			return
		}
		if next < man.Chunks {
			c.fail("body %x: chunks %d to %d of %d missing", mk, next, man.Chunks-1, man.Chunks)
		} else if total != man.Size {
			c.fail("body %x: %d bytes, its manifest says %d", mk, total, man.Size)
		}
	}
	cur := b.b.Cursor()
	for key, v := cur.First(); key != nil; key, v = cur.Next() {
		if err := c.tick(); err != nil {
			return err
		}
		switch len(key) {
		case fidSize + 4:
			finish()
			mk, man, next, total = bytes.Clone(key), nil, 0, 0
			var mf bodyManifest
			if err := b.decode(key, v, &mf); err != nil {
				c.fail("body manifest %x: %w", key, err)
				continue
			}
			if len(mf.Gen) != genSize || (!mf.Pending && (mf.Size < 0 || mf.Chunks != chunksFor(mf.Size))) {
				c.fail("body manifest %x: inconsistent (%d chunks, %d bytes)", key, mf.Chunks, mf.Size)
				continue
			}
			man = &mf
		case fidSize + 8:
			if mk == nil || !bytes.Equal(key[:fidSize+4], mk) {
				c.fail("body chunk %x: no manifest (orphan)", key)
				continue
			}
			if man == nil {
				continue // its manifest is reported
			}
			i := binary.BigEndian.Uint32(key[fidSize+4:])
			if !man.Pending && i >= man.Chunks {
				c.fail("body %x: chunk %d beyond its %d chunks (orphan)", mk, i, man.Chunks)
				continue
			}
			if i > next {
				c.fail("body %x: chunks %d to %d missing", mk, next, i-1)
			}
			next = i + 1
			final := !man.Pending && i == man.Chunks-1
			p, err := c.k.openChunk(key, final, man.Gen, v)
			n := len(p)
			wipe(p)
			switch {
			case err != nil:
				c.fail("body %x chunk %d: %w", mk, i, err)
			case !final && n != bodyChunk, final && n > bodyChunk:
				c.fail("body %x chunk %d: %d bytes, want %d", mk, i, n, bodyChunk)
			}
			total += int64(n)
		default:
			c.fail("%s: unexpected key %x", bucketBodyChunks, key)
		}
	}
	finish()
	return nil
}
