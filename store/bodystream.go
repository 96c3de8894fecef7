package store

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	bolt "go.etcd.io/bbolt"
)

// Streamed bodies (WriteBody, OpenBody) live in their own bucket: a body is either a single
// value in bodies (written by PutMessages) or a chunked one here.
//
//	bodychunks  fid | uid                 -> sealed manifest {generation, chunks, size, pending}
//	            fid | uid | index (u32)   -> sealed chunk of bodyChunk bytes (the last shorter)
//
// A chunk's associated data is bucket || 0 || key || final flag || generation: chunks cannot
// be reordered, moved to another message, mixed with those of an earlier write, or the body
// truncated, undetected. A write first stores a pending manifest (its generation, no chunk
// count), then the chunks, then the complete manifest in the final transaction: a write cut
// short (crash, disk full, read error) reads as no body, its chunks can still be
// authenticated (Check), and the next WriteBody or Expunge of that message drops them.
// Schema 4 wrote no pending manifest; its leftovers are dropped by the migration to 5.
const (
	bucketBodyChunks = "bodychunks"
	bodyChunk        = 256 << 10 // plaintext bytes per chunk
	bodyChunksPerTx  = 4         // 1 MiB per transaction: bbolt keeps dirty pages in memory until commit
	genSize          = 8
)

type bodyManifest struct {
	Gen     []byte `json:"g"`
	Chunks  uint32 `json:"n"`
	Size    int64  `json:"s"`
	Pending bool   `json:"p,omitempty"` // a write in progress, or cut short: no body
}

// chunksFor is the number of chunks of a body of size bytes (an empty body has one, empty).
func chunksFor(size int64) uint32 { return uint32(max(1, (size+bodyChunk-1)/bodyChunk)) }

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
func (k *sealKeys) sealChunk(dst, key []byte, final bool, gen, plain []byte) []byte {
	if k.aead == nil {
		return append(dst, plain...)
	}
	return k.aead.Seal(dst, nil, plain, chunkAAD(key, final, gen))
}

func (k *sealKeys) openChunk(key []byte, final bool, gen, sealed []byte) ([]byte, error) {
	if k.aead == nil {
		return append([]byte(nil), sealed...), nil
	}
	p, err := k.aead.Open(nil, nil, sealed, chunkAAD(key, final, gen))
	if err != nil {
		return nil, fmt.Errorf("%w: %s %x: %w", ErrCorrupt, bucketBodyChunks, key, errAuth)
	}
	return p, nil
}

func bodyMsgKey(k *sealKeys, ref Ref) []byte {
	return msgKey(k.tokener().sum(tokFolder, ref.BAL+"\x00"+ref.Folder, fidSize), ref.UID)
}

// deleteChunks removes a message's chunked body, manifest first. Part of the caller's tx.
func deleteChunks(tx *bolt.Tx, mk []byte) error {
	b := tx.Bucket([]byte(bucketBodyChunks))
	if b == nil {
		return nil // migrations from schemas before 5
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
	err = s.update(func(tx *bolt.Tx, k *sealKeys) error {
		mk = bodyMsgKey(k, ref)
		if err := tx.Bucket([]byte(bucketBodies)).Delete(mk); err != nil {
			return err
		}
		if err := deleteChunks(tx, mk); err != nil {
			return err
		}
		return chunkBucket(tx, k).put(mk, &bodyManifest{Gen: gen, Pending: true})
	})
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			s.dropPending(mk, gen)
		}
	}()
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
		err = s.update(func(tx *bolt.Tx, k *sealKeys) error {
			if err := stillPending(tx, k, mk, gen); err != nil {
				return err
			}
			b := tx.Bucket([]byte(bucketBodyChunks))
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

func chunkBucket(tx *bolt.Tx, k *sealKeys) bkt { return bucket(tx, k, bucketBodyChunks) }

// errRewritten: another WriteBody of the same message started while this one ran.
var errRewritten = errors.New("body rewritten by another write meanwhile")

// stillPending checks that the pending manifest of mk is still this write's.
func stillPending(tx *bolt.Tx, k *sealKeys, mk, gen []byte) error {
	man, err := readAnyManifest(tx, k, mk)
	if err != nil {
		return err
	}
	if man == nil || !man.Pending || string(man.Gen) != string(gen) {
		return errRewritten
	}
	return nil
}

// dropPending removes the chunks of a write that failed, if no other write replaced them.
// Best effort: what it leaves (it may fail for the same reason as the write, a full disk)
// reads as no body and goes with the next write or expunge of that message.
func (s *Store) dropPending(mk, gen []byte) {
	err := s.update(func(tx *bolt.Tx, k *sealKeys) error {
		if stillPending(tx, k, mk, gen) != nil {
			return nil
		}
		return deleteChunks(tx, mk)
	})
	if err != nil {
		s.log.Warn("store: chunks of a failed body write left behind", "path", s.path, "err", err)
	}
}

// readAnyManifest returns the manifest at mk, pending or complete, or nil if none.
func readAnyManifest(tx *bolt.Tx, k *sealKeys, mk []byte) (*bodyManifest, error) {
	var man bodyManifest
	found, err := chunkBucket(tx, k).get(mk, &man)
	if err != nil || !found {
		return nil, err
	}
	if len(man.Gen) != genSize || (!man.Pending && (man.Size < 0 || man.Chunks != chunksFor(man.Size))) {
		return nil, fmt.Errorf("%w: body manifest %x", ErrCorrupt, mk)
	}
	return &man, nil
}

// readManifest returns the manifest of mk's chunked body, or nil if none is complete.
func readManifest(tx *bolt.Tx, k *sealKeys, mk []byte) (*bodyManifest, error) {
	man, err := readAnyManifest(tx, k, mk)
	if err != nil || man == nil || man.Pending {
		return nil, err
	}
	return man, nil
}

// readChunk reads and authenticates chunk i of a manifest's body.
func readChunk(tx *bolt.Tx, k *sealKeys, mk []byte, man *bodyManifest, i uint32) ([]byte, error) {
	key := chunkKey(mk, i)
	sealed := tx.Bucket([]byte(bucketBodyChunks)).Get(key)
	if sealed == nil {
		return nil, fmt.Errorf("%w: body chunk %d of %d missing", ErrCorrupt, i, man.Chunks)
	}
	return k.openChunk(key, i == man.Chunks-1, man.Gen, sealed)
}

// moveChunks re-seals the complete chunked body of from (if any) under the key to, with a
// new generation, replacing whatever to had. The chunks of from stay (the caller removes
// them). Part of the caller's transaction.
func moveChunks(tx *bolt.Tx, k *sealKeys, from, to []byte) error {
	man, err := readManifest(tx, k, from)
	if err != nil || man == nil {
		return err
	}
	if err := deleteChunks(tx, to); err != nil {
		return err
	}
	gen := make([]byte, genSize)
	rand.Read(gen)
	b := tx.Bucket([]byte(bucketBodyChunks))
	for i := range man.Chunks {
		plain, err := readChunk(tx, k, from, man, i)
		if err != nil {
			return err
		}
		key := chunkKey(to, i)
		err = b.Put(key, k.sealChunk(nil, key, i == man.Chunks-1, gen, plain))
		wipe(plain)
		if err != nil {
			return err
		}
	}
	return chunkBucket(tx, k).put(to, &bodyManifest{Gen: gen, Chunks: man.Chunks, Size: man.Size})
}

// readChunked returns a whole chunked body (nil if none), for Body.
func readChunked(tx *bolt.Tx, k *sealKeys, mk []byte) ([]byte, error) {
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
	err := s.view(func(tx *bolt.Tx, k *sealKeys) error {
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
		err := r.s.view(func(tx *bolt.Tx, k *sealKeys) error {
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
