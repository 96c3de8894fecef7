package store

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	bolt "go.etcd.io/bbolt"
)

// Streamed bodies (WriteBody, OpenBody) live in their own bucket, created on first use, so
// files of schema 4 need no migration: a body is either a single value in bodies (written
// by PutMessages) or a chunked one here.
//
//	bodychunks  fid | uid                 -> sealed manifest {generation, chunks, size}
//	            fid | uid | index (u32)   -> sealed chunk of bodyChunk bytes (the last shorter)
//
// A chunk's associated data is bucket || 0 || key || final flag || generation: chunks cannot
// be reordered, moved to another message, mixed with those of an earlier write, or the body
// truncated, undetected. The manifest is written last, in the final transaction: a write
// cut short (crash, disk full, read error) leaves chunks without a manifest, which read
// as no body and are dropped by the next WriteBody or Expunge of that message.
const (
	bucketBodyChunks = "bodychunks"
	bodyChunk        = 256 << 10 // plaintext bytes per chunk
	bodyChunksPerTx  = 4         // 1 MiB per transaction: bbolt keeps dirty pages in memory until commit
	genSize          = 8
)

type bodyManifest struct {
	Gen    []byte `json:"g"`
	Chunks uint32 `json:"n"`
	Size   int64  `json:"s"`
}

func chunkKey(mk []byte, i uint32) []byte {
	return binary.BigEndian.AppendUint32(append([]byte(nil), mk...), i)
}

func chunkAAD(key []byte, final bool, gen []byte) []byte {
	a := aad(bucketBodyChunks, key)
	f := byte(0)
	if final {
		f = 1
	}
	return append(append(a, f), gen...)
}

// sealChunk appends the sealed chunk to dst's spare capacity and returns it: the
// transaction's chunks share one buffer, reused by the next transaction once bbolt has
// copied them into its pages at commit.
func (k *keyring) sealChunk(dst, key []byte, final bool, gen, plain []byte) []byte {
	if k.aead == nil {
		return append(dst, plain...)
	}
	return k.aead.Seal(dst, nil, plain, chunkAAD(key, final, gen))
}

func (k *keyring) openChunk(key []byte, final bool, gen, sealed []byte) ([]byte, error) {
	if k.aead == nil {
		return append([]byte(nil), sealed...), nil
	}
	p, err := k.aead.Open(nil, nil, sealed, chunkAAD(key, final, gen))
	if err != nil {
		return nil, fmt.Errorf("%w: %s %x: %w", ErrCorrupt, bucketBodyChunks, key, errAuth)
	}
	return p, nil
}

func bodyMsgKey(k *keyring, ref Ref) []byte {
	return msgKey(k.tokener().sum(tokFolder, ref.BAL+"\x00"+ref.Folder, fidSize), ref.UID)
}

// deleteChunks removes a message's chunked body, manifest first. Part of the caller's tx.
func deleteChunks(tx *bolt.Tx, mk []byte) error {
	b := tx.Bucket([]byte(bucketBodyChunks))
	if b == nil {
		return nil
	}
	if err := b.Delete(mk); err != nil {
		return err
	}
	c := b.Cursor()
	for key, _ := c.Seek(mk); key != nil && len(key) == len(mk)+4 && string(key[:len(mk)]) == string(mk); key, _ = c.Seek(mk) {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// WriteBody stores the raw message read from r as ref's body, replacing any cached one,
// without holding it whole in memory: r is sealed chunk by chunk and committed every
// bodyChunksPerTx chunks. The body becomes visible (Body, OpenBody) only when all of it is
// committed; on error the previous body is gone and none replaces it. The message's
// envelope is stored separately (PutMessages with a nil Body keeps this one).
func (s *Store) WriteBody(ref Ref, r io.Reader) (n int64, err error) {
	if err := checkRef(ref); err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			err = fmt.Errorf("store: write body %s/%s/%d: %w", ref.BAL, ref.Folder, ref.UID, err)
		}
	}()
	gen := make([]byte, genSize)
	rand.Read(gen)
	var mk []byte
	err = s.update(func(tx *bolt.Tx, k *keyring) error {
		mk = bodyMsgKey(k, ref)
		if _, err := tx.CreateBucketIfNotExists([]byte(bucketBodyChunks)); err != nil {
			return err
		}
		if err := tx.Bucket([]byte(bucketBodies)).Delete(mk); err != nil {
			return err
		}
		return deleteChunks(tx, mk)
	})
	if err != nil {
		return 0, err
	}
	// Read one chunk ahead: a chunk is sealed only once we know whether it is the last.
	cur, next := make([]byte, bodyChunk), make([]byte, bodyChunk)
	fill := func(buf []byte) (int, error) {
		m, err := io.ReadFull(r, buf)
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = nil
		}
		return m, err
	}
	curN, err := fill(cur)
	if err != nil {
		return 0, err
	}
	// Room for a transaction's sealed chunks: nonce and tag are 28 bytes each.
	slab := make([]byte, 0, bodyChunksPerTx*(bodyChunk+64))
	var idx uint32
	for done := false; !done; {
		slab = slab[:0]
		err = s.update(func(tx *bolt.Tx, k *keyring) error {
			b := tx.Bucket([]byte(bucketBodyChunks))
			if b == nil {
				return fmt.Errorf("%w: bucket %s vanished", ErrCorrupt, bucketBodyChunks)
			}
			for range bodyChunksPerTx {
				nextN := 0
				if curN == bodyChunk {
					var err error
					if nextN, err = fill(next); err != nil {
						return err
					}
				}
				final := nextN == 0
				key := chunkKey(mk, idx)
				sealed := k.sealChunk(slab[len(slab):len(slab):cap(slab)], key, final, gen, cur[:curN])
				slab = slab[:len(slab)+len(sealed)]
				if err := b.Put(key, sealed); err != nil {
					return err
				}
				n += int64(curN)
				idx++
				cur, next, curN = next, cur, nextN
				if final {
					done = true
					plain := bodyManifest{Gen: gen, Chunks: idx, Size: n}
					return bkt{name: bucketBodyChunks, b: b, k: k}.put(mk, &plain)
				}
			}
			return nil
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// readManifest returns the manifest of ref's chunked body, or nil if none is complete.
func readManifest(tx *bolt.Tx, k *keyring, mk []byte) (*bodyManifest, error) {
	b := tx.Bucket([]byte(bucketBodyChunks))
	if b == nil {
		return nil, nil
	}
	var man bodyManifest
	found, err := bkt{name: bucketBodyChunks, b: b, k: k}.get(mk, &man)
	if err != nil || !found {
		return nil, err
	}
	if len(man.Gen) != genSize || man.Chunks == 0 || man.Size < 0 {
		return nil, fmt.Errorf("%w: body manifest %x", ErrCorrupt, mk)
	}
	return &man, nil
}

// readChunk reads and authenticates chunk i of a manifest's body.
func readChunk(tx *bolt.Tx, k *keyring, mk []byte, man *bodyManifest, i uint32) ([]byte, error) {
	key := chunkKey(mk, i)
	sealed := tx.Bucket([]byte(bucketBodyChunks)).Get(key)
	if sealed == nil {
		return nil, fmt.Errorf("%w: body chunk %d of %d missing", ErrCorrupt, i, man.Chunks)
	}
	return k.openChunk(key, i == man.Chunks-1, man.Gen, sealed)
}

// readChunked returns a whole chunked body (nil if none), for Body.
func readChunked(tx *bolt.Tx, k *keyring, mk []byte) ([]byte, error) {
	man, err := readManifest(tx, k, mk)
	if err != nil || man == nil {
		return nil, err
	}
	body := make([]byte, 0, man.Size)
	for i := range man.Chunks {
		c, err := readChunk(tx, k, mk, man, i)
		if err != nil {
			return nil, err
		}
		body = append(body, c...)
	}
	if int64(len(body)) != man.Size {
		return nil, fmt.Errorf("%w: body of %d bytes, manifest says %d", ErrCorrupt, len(body), man.Size)
	}
	return body, nil
}

// OpenBody returns a reader of ref's raw message (ErrNotFound, ErrNoBody). A chunked body
// is read one chunk per short read transaction, so a slow reader never holds the file's
// old pages; a body rewritten meanwhile makes the reader fail (ErrCorrupt), never mix two.
// A body stored whole by PutMessages is returned from memory.
func (s *Store) OpenBody(ref Ref) (io.ReadCloser, error) {
	var (
		whole []byte
		man   *bodyManifest
		mk    []byte
	)
	err := s.view(func(tx *bolt.Tx, k *keyring) error {
		m := newMsgTx(tx, k)
		mk = msgKey(m.fid(ref.BAL, ref.Folder), ref.UID)
		if m.msgs.b.Get(mk) == nil {
			return ErrNotFound
		}
		var err error
		if whole, err = m.bodies.getBytes(mk); err != nil || whole != nil {
			return err
		}
		if man, err = readManifest(tx, k, mk); err != nil {
			return err
		}
		if man == nil {
			return ErrNoBody
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: open body %s/%s/%d: %w", ref.BAL, ref.Folder, ref.UID, err)
	}
	if whole != nil {
		return io.NopCloser(&sliceReader{b: whole}), nil
	}
	return &chunkReader{s: s, ref: ref, mk: mk, man: man}, nil
}

type sliceReader struct{ b []byte }

func (r *sliceReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

// chunkReader reads a chunked body chunk by chunk.
type chunkReader struct {
	s    *Store
	ref  Ref
	mk   []byte
	man  *bodyManifest
	next uint32 // next chunk to load
	buf  []byte
	read int64
	err  error
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.next == r.man.Chunks {
			if r.read != r.man.Size {
				r.err = fmt.Errorf("store: body %s/%s/%d: %w: %d bytes, manifest says %d", r.ref.BAL, r.ref.Folder, r.ref.UID, ErrCorrupt, r.read, r.man.Size)
			} else {
				r.err = io.EOF
			}
			continue
		}
		err := r.s.view(func(tx *bolt.Tx, k *keyring) error {
			if tx.Bucket([]byte(bucketBodyChunks)) == nil {
				return fmt.Errorf("%w: body chunks gone", ErrCorrupt)
			}
			c, err := readChunk(tx, k, r.mk, r.man, r.next)
			r.buf = c
			return err
		})
		if err != nil {
			r.err = fmt.Errorf("store: body %s/%s/%d: %w", r.ref.BAL, r.ref.Folder, r.ref.UID, err)
			continue
		}
		r.next++
		r.read += int64(len(r.buf))
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

func (r *chunkReader) Close() error {
	r.buf, r.err = nil, errors.New("store: body reader closed")
	return nil
}
