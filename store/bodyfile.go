package store

import (
	"context"
	"errors"
	"fmt"
	"io"

	bolt "go.etcd.io/bbolt"
)

// ErrBodyChanged: the body was rewritten (a resync) or removed since OpenBodyFile; what was
// learnt from it no longer applies. Open it again.
var ErrBodyChanged = errors.New("store: body rewritten or removed since it was opened")

// BodyFile is one stored body as it was when opened: its size, and readers of any byte
// range of it, so that a message walked once can have one part read later without being
// walked or decrypted again. A chunked body (WriteBody) is decrypted one 256 KiB chunk at
// a time, each in its own short read transaction; once the body is rewritten or removed,
// the reads fail with ErrBodyChanged, never mixing two versions. A
// body stored whole (PutMessages) is kept in memory by the BodyFile.
type BodyFile struct {
	s     *Store
	ref   Ref
	mk    []byte
	man   *bodyManifest // nil for a body stored whole
	whole []byte
}

// OpenBodyFile opens ref's raw message for reading by range (ErrNotFound, ErrNoBody).
func (s *Store) OpenBodyFile(ref Ref) (*BodyFile, error) {
	f := &BodyFile{s: s, ref: ref}
	err := s.view(func(tx *bolt.Tx, k *sealKeys) error {
		m := newMsgTx(tx, k)
		f.mk = msgKey(m.fid(ref.BAL, ref.Folder), ref.UID)
		if m.msgs.b.Get(f.mk) == nil {
			return ErrNotFound
		}
		var err error
		if f.whole, err = m.bodies.getBytes(f.mk); err != nil || f.whole != nil {
			return err
		}
		if f.man, err = readManifest(tx, k, f.mk); err != nil {
			return err
		}
		if f.man == nil {
			return ErrNoBody
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: open body %s/%s/%d: %w", ref.BAL, ref.Folder, ref.UID, err)
	}
	return f, nil
}

// Size is the body's size in bytes.
func (f *BodyFile) Size() int64 {
	if f.man == nil {
		return int64(len(f.whole))
	}
	return f.man.Size
}

// Section returns a reader of n bytes from off. Its reads fail once ctx ends. Close wipes
// the plaintext it holds.
func (f *BodyFile) Section(ctx context.Context, off, n int64) (io.ReadCloser, error) {
	if off < 0 || n < 0 || off > f.Size()-n {
		return nil, fmt.Errorf("store: body %s/%s/%d: range %d+%d outside its %d bytes", f.ref.BAL, f.ref.Folder, f.ref.UID, off, n, f.Size())
	}
	return &sectionReader{f: f, ctx: ctx, off: off, end: off + n}, nil
}

// sectionReader reads a range of a BodyFile. A chunked range longer than a chunk is read
// one chunk ahead, on another goroutine: decrypting the next chunk overlaps with the
// caller's work on this one (the reader's walk of a 25 MB message).
type sectionReader struct {
	f        *BodyFile
	ctx      context.Context
	off, end int64  // next byte to return, end of the range
	chunk    []byte // plaintext of chunk idx, when loaded
	idx      int64
	loaded   bool
	err      error
	ahead    chan readAhead // the next chunk being read, or nil
	spare    []byte         // the buffer the next read-ahead fills
}

type readAhead struct {
	idx   int64
	plain []byte
	err   error
}

func (r *sectionReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if r.off >= r.end {
		r.wipe()
		return 0, io.EOF
	}
	if err := r.ctx.Err(); err != nil {
		return 0, r.fail(err)
	}
	if r.f.man == nil {
		n := copy(p, r.f.whole[r.off:r.end])
		r.off += int64(n)
		return n, nil
	}
	if i := r.off / bodyChunk; !r.loaded || i != r.idx {
		if err := r.load(i); err != nil {
			return 0, r.fail(err)
		}
	}
	start := r.off - r.idx*bodyChunk
	stop := min(int64(len(r.chunk)), r.end-r.idx*bodyChunk)
	if start >= stop {
		return 0, r.fail(fmt.Errorf("%w: body chunk %d shorter than its manifest says", ErrCorrupt, r.idx))
	}
	n := copy(p, r.chunk[start:stop])
	r.off += int64(n)
	return n, nil
}

// load makes chunk i the current one: the chunk read ahead if it is that one, else read
// now. It then reads the next one ahead, if the range goes on.
func (r *sectionReader) load(i int64) error {
	if a, ok := r.takeAhead(); ok && a.idx == i && a.err == nil {
		r.spare, r.chunk = r.chunk, a.plain
	} else {
		if ok {
			wipe(a.plain)
			r.spare = a.plain
		}
		plain, err := r.f.readChunk(r.chunk, i)
		if err != nil {
			return err
		}
		r.chunk = plain
	}
	r.idx, r.loaded = i, true
	if next := i + 1; next*bodyChunk < r.end {
		ch := make(chan readAhead, 1)
		r.ahead = ch
		go func(buf []byte) {
			plain, err := r.f.readChunk(buf, next)
			ch <- readAhead{idx: next, plain: plain, err: err}
		}(r.spare)
		r.spare = nil
	}
	return nil
}

// takeAhead waits for the chunk read ahead, if any.
func (r *sectionReader) takeAhead() (readAhead, bool) {
	if r.ahead == nil {
		return readAhead{}, false
	}
	a := <-r.ahead
	r.ahead = nil
	return a, true
}

// readChunk decrypts chunk i into buf's storage, checking first that the body is still the
// one opened.
func (f *BodyFile) readChunk(buf []byte, i int64) ([]byte, error) {
	var plain []byte
	err := f.s.view(func(tx *bolt.Tx, k *sealKeys) error {
		man, err := readAnyManifest(tx, k, f.mk)
		if err != nil {
			return err
		}
		if man == nil || man.Pending || string(man.Gen) != string(f.man.Gen) {
			return ErrBodyChanged
		}
		key := chunkKey(f.mk, uint32(i))
		sealed := tx.Bucket([]byte(bucketBodyChunks)).Get(key)
		if sealed == nil {
			return fmt.Errorf("%w: body chunk %d of %d missing", ErrCorrupt, i, man.Chunks)
		}
		final := uint32(i) == man.Chunks-1
		if k.aead == nil {
			plain = append(buf[:0], sealed...)
		} else if plain, err = k.aead.Open(buf[:0], nil, sealed, chunkAAD(key, final, man.Gen)); err != nil {
			return fmt.Errorf("%w: %s %x: %w", ErrCorrupt, bucketBodyChunks, key, errAuth)
		}
		return nil
	})
	return plain, err
}

func (r *sectionReader) fail(err error) error {
	r.wipe()
	r.err = fmt.Errorf("store: body %s/%s/%d: %w", r.f.ref.BAL, r.f.ref.Folder, r.f.ref.UID, err)
	return r.err
}

// wipe clears the plaintext the reader holds, the chunk read ahead included.
func (r *sectionReader) wipe() {
	if a, ok := r.takeAhead(); ok {
		wipe(a.plain)
		r.spare = a.plain
	}
	wipe(r.spare)
	wipe(r.chunk)
	r.chunk, r.loaded = r.chunk[:0], false
}

// Close wipes the plaintext the reader holds; reading after Close fails.
func (r *sectionReader) Close() error {
	r.wipe()
	if r.err == nil {
		r.err = errors.New("store: body reader closed")
	}
	return nil
}
