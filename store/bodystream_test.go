package store

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// randomBody returns n reproducible bytes.
func randomBody(n int, seed uint64) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(seed)})
	r.Read(b)
	return b
}

func TestWriteBodyRoundTrip(t *testing.T) {
	s, _ := openTest(t)
	for i, size := range []int{0, 10, bodyChunk, bodyChunk + 1, bodyChunksPerTx*bodyChunk + 3} {
		uid := uint32(i + 1)
		ref := Ref{bal, "INBOX", uid}
		want := randomBody(size, uint64(i))
		n, err := s.WriteBody(ref, bytes.NewReader(want))
		if err != nil || n != int64(size) {
			t.Fatalf("WriteBody(%d bytes) = %d, %v", size, n, err)
		}
		if _, err := s.OpenBody(ref); !errors.Is(err, ErrNotFound) {
			t.Errorf("body without envelope: %v, want ErrNotFound", err)
		}
		must(t, s.PutMessages([]Message{msg(bal, "INBOX", uid, "gros", "", nil)}))
		rc, err := s.OpenBody(ref)
		must(t, err)
		got, err := io.ReadAll(iotest(rc))
		must(t, err)
		must(t, rc.Close())
		if !bytes.Equal(got, want) {
			t.Errorf("OpenBody of %d bytes: got %d bytes, not identical", size, len(got))
		}
		whole, err := s.Body(ref)
		if size == 0 && errors.Is(err, ErrNoBody) {
			continue
		}
		if err != nil || !bytes.Equal(whole, want) {
			t.Errorf("Body of %d bytes: %d bytes, %v", size, len(whole), err)
		}
	}
	must(t, s.Check(t.Context()))
}

// iotest reads in odd sizes, as a parser does.
func iotest(r io.Reader) io.Reader { return io.LimitReader(struct{ io.Reader }{r}, 1<<40) }

func TestOpenBodyOfWholeBodies(t *testing.T) {
	s, _ := openTest(t)
	ref := Ref{bal, "INBOX", 1}
	must(t, s.PutMessages([]Message{msg(bal, "INBOX", 1, "petit", "", []byte("corps entier"))}))
	rc, err := s.OpenBody(ref)
	must(t, err)
	got, _ := io.ReadAll(rc)
	if string(got) != "corps entier" {
		t.Errorf("OpenBody of a single-value body: %q", got)
	}
	// A streamed body replaces the single value; PutMessages with a nil Body keeps it.
	want := randomBody(3*bodyChunk, 7)
	_, err = s.WriteBody(ref, bytes.NewReader(want))
	must(t, err)
	m := msg(bal, "INBOX", 1, "petit", "", nil)
	m.Envelope.Flags = []string{flagSeen}
	must(t, s.PutMessages([]Message{m}))
	if b, err := s.Body(ref); err != nil || !bytes.Equal(b, want) {
		t.Errorf("Body after WriteBody: %d bytes, %v", len(b), err)
	}
	// Expunge drops the chunks with the message.
	must(t, s.Expunge(bal, "INBOX", []uint32{1}))
	must(t, s.db.View(func(tx *bolt.Tx) error {
		if n := tx.Bucket([]byte(bucketBodyChunks)).Stats().KeyN; n != 0 {
			t.Errorf("%d chunk keys left after expunge", n)
		}
		return nil
	}))
}

// failingReader fails after n bytes, as a cut connection does.
type failingReader struct {
	r io.Reader
	n int
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("connection reset")
	}
	p = p[:min(len(p), f.n)]
	n, err := f.r.Read(p)
	f.n -= n
	return n, err
}

func TestWriteBodyCutShortLeavesNoBody(t *testing.T) {
	s, _ := openTest(t)
	ref := Ref{bal, "INBOX", 1}
	must(t, s.PutMessages([]Message{msg(bal, "INBOX", 1, "gros", "", nil)}))
	body := randomBody(3*bodyChunksPerTx*bodyChunk, 3)
	if _, err := s.WriteBody(ref, &failingReader{r: bytes.NewReader(body), n: 2*bodyChunksPerTx*bodyChunk + 5}); err == nil {
		t.Fatal("WriteBody of a cut stream succeeded")
	}
	if _, err := s.Body(ref); !errors.Is(err, ErrNoBody) {
		t.Errorf("Body after a cut write: %v, want ErrNoBody", err)
	}
	if _, err := s.OpenBody(ref); !errors.Is(err, ErrNoBody) {
		t.Errorf("OpenBody after a cut write: %v, want ErrNoBody", err)
	}
	_, err := s.WriteBody(ref, bytes.NewReader(body))
	must(t, err)
	if b, err := s.Body(ref); err != nil || !bytes.Equal(b, body) {
		t.Errorf("Body after a retried write: %d bytes, %v", len(b), err)
	}
}

// TestChunksAreBound: reordered, dropped (truncated) or mixed-in chunks fail with ErrCorrupt.
func TestChunksAreBound(t *testing.T) {
	tamper := map[string]func(b *bolt.Bucket, keys, vals [][]byte){
		"swap": func(b *bolt.Bucket, keys, vals [][]byte) {
			must(t, b.Put(keys[1], vals[2]))
			must(t, b.Put(keys[2], vals[1]))
		},
		"truncate": func(b *bolt.Bucket, keys, vals [][]byte) { must(t, b.Delete(keys[len(keys)-1])) },
		"last chunk replaced by a middle one": func(b *bolt.Bucket, keys, vals [][]byte) {
			must(t, b.Put(keys[len(keys)-1], vals[1]))
		},
	}
	for name, fn := range tamper {
		t.Run(name, func(t *testing.T) {
			s, _ := openTest(t)
			ref := Ref{bal, "INBOX", 1}
			must(t, s.PutMessages([]Message{msg(bal, "INBOX", 1, "gros", "", nil)}))
			_, err := s.WriteBody(ref, bytes.NewReader(randomBody(4*bodyChunk, 1)))
			must(t, err)
			must(t, s.db.Update(func(tx *bolt.Tx) error {
				b := tx.Bucket([]byte(bucketBodyChunks))
				var keys, vals [][]byte // keys[0] is the manifest, then chunks 0..3
				must(t, b.ForEach(func(k, v []byte) error {
					keys, vals = append(keys, bytes.Clone(k)), append(vals, bytes.Clone(v))
					return nil
				}))
				fn(b, keys, vals)
				return nil
			}))
			if _, err := s.Body(ref); !errors.Is(err, ErrCorrupt) {
				t.Errorf("Body: %v, want ErrCorrupt", err)
			}
			rc, err := s.OpenBody(ref)
			must(t, err)
			if _, err := io.ReadAll(rc); !errors.Is(err, ErrCorrupt) {
				t.Errorf("OpenBody read: %v, want ErrCorrupt", err)
			}
		})
	}
}

// TestMoveKeepsChunkedBody: a streamed body follows its message to the new folder and UID.
func TestMoveKeepsChunkedBody(t *testing.T) {
	s, _ := openTest(t)
	from, to := Ref{bal, "INBOX", 1}, Ref{bal, "Archives", 7}
	must(t, s.PutMessages([]Message{msg(bal, "INBOX", 1, "gros", "texte", nil)}))
	want := randomBody(2*bodyChunksPerTx*bodyChunk+11, 5)
	_, err := s.WriteBody(from, bytes.NewReader(want))
	must(t, err)
	must(t, s.Move(from, "Archives", 7))
	if b, err := s.Body(to); err != nil || !bytes.Equal(b, want) {
		t.Fatalf("Body after Move: %d bytes, %v; want the %d streamed bytes", len(b), err, len(want))
	}
	rc, err := s.OpenBody(to)
	must(t, err)
	got, err := io.ReadAll(rc)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("OpenBody after Move: %d bytes, %v", len(got), err)
	}
	if _, err := s.Body(from); !errors.Is(err, ErrNotFound) {
		t.Errorf("old ref after Move: %v, want ErrNotFound", err)
	}
	must(t, s.Check(t.Context()))
}

// TestCheckChunkBucket: Check authenticates every chunk and finds chunks missing, extra
// (orphans) or of the wrong size.
func TestCheckChunkBucket(t *testing.T) {
	tamper := map[string]func(b *bolt.Bucket, keys, vals [][]byte){
		"tampered chunk": func(b *bolt.Bucket, keys, vals [][]byte) {
			v := bytes.Clone(vals[2])
			v[len(v)/2] ^= 1
			must(t, b.Put(keys[2], v))
		},
		"missing chunk": func(b *bolt.Bucket, keys, vals [][]byte) { must(t, b.Delete(keys[2])) },
		"orphan chunk after the last": func(b *bolt.Bucket, keys, vals [][]byte) {
			must(t, b.Put(chunkKey(keys[0], 4), vals[2]))
		},
		"orphan chunks of another message": func(b *bolt.Bucket, keys, vals [][]byte) {
			must(t, b.Put(chunkKey(msgKey(keys[0][:fidSize], 99), 0), vals[1]))
		},
		"chunk of the wrong size": func(b *bolt.Bucket, keys, vals [][]byte) {
			must(t, b.Put(keys[2], vals[2][:len(vals[2])-100]))
		},
		"odd key": func(b *bolt.Bucket, keys, vals [][]byte) { must(t, b.Put([]byte("x"), vals[1])) },
	}
	for name, fn := range tamper {
		t.Run(name, func(t *testing.T) {
			s, _ := openTest(t)
			ref := Ref{bal, "INBOX", 1}
			must(t, s.PutMessages([]Message{msg(bal, "INBOX", 1, "gros", "", nil)}))
			_, err := s.WriteBody(ref, bytes.NewReader(randomBody(4*bodyChunk-9, 1)))
			must(t, err)
			must(t, s.Check(t.Context()))
			must(t, s.db.Update(func(tx *bolt.Tx) error {
				b := tx.Bucket([]byte(bucketBodyChunks))
				var keys, vals [][]byte // keys[0] is the manifest, then chunks 0..3
				must(t, b.ForEach(func(k, v []byte) error {
					keys, vals = append(keys, bytes.Clone(k)), append(vals, bytes.Clone(v))
					return nil
				}))
				fn(b, keys, vals)
				return nil
			}))
			if err := s.Check(t.Context()); !errors.Is(err, ErrCorrupt) {
				t.Errorf("Check: %v, want ErrCorrupt", err)
			}
		})
	}
	// An authentic chunk of the wrong size (a bug, not an attacker: it needs the key).
	s, _ := openTest(t)
	ref := Ref{bal, "INBOX", 1}
	_, err := s.WriteBody(ref, bytes.NewReader(randomBody(3*bodyChunk, 2)))
	must(t, err)
	must(t, s.update(func(tx *bolt.Tx, k *sealKeys) error {
		mk := bodyMsgKey(k, ref)
		man, err := readManifest(tx, k, mk)
		must(t, err)
		key := chunkKey(mk, 1)
		return tx.Bucket([]byte(bucketBodyChunks)).Put(key, k.sealChunk(nil, key, false, man.Gen, make([]byte, 10)))
	}))
	if err := s.Check(t.Context()); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "10 bytes") {
		t.Errorf("Check with a short middle chunk: %v, want ErrCorrupt naming its size", err)
	}
}

// blockingReader serves n bytes of r, then waits for release and fails, as a connection
// that stalls and breaks.
type blockingReader struct {
	r       io.Reader
	n       int
	stalled chan struct{}
	release chan struct{}
}

func (b *blockingReader) Read(p []byte) (int, error) {
	if b.n == 0 {
		close(b.stalled)
		<-b.release
		return 0, errors.New("connection reset")
	}
	p = p[:min(len(p), b.n)]
	n, err := b.r.Read(p)
	b.n -= n
	return n, err
}

// TestWriteBodyInProgressIsCheckable: while a streamed write is under way (or after a
// crash left it so), its committed chunks read as no body and pass Check; when the write
// fails they are dropped.
func TestWriteBodyInProgressIsCheckable(t *testing.T) {
	s, _ := openTest(t)
	ref := Ref{bal, "INBOX", 1}
	must(t, s.PutMessages([]Message{msg(bal, "INBOX", 1, "gros", "", []byte("ancien corps"))}))
	r := &blockingReader{r: bytes.NewReader(randomBody(3*bodyChunksPerTx*bodyChunk, 9)), n: bodyChunksPerTx*bodyChunk + 10,
		stalled: make(chan struct{}), release: make(chan struct{})}
	done := make(chan error, 1)
	go func() { _, err := s.WriteBody(ref, r); done <- err }()
	select {
	case <-r.stalled:
	case err := <-done:
		t.Fatalf("WriteBody returned early: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("WriteBody never read its stream")
	}
	if _, err := s.Body(ref); !errors.Is(err, ErrNoBody) {
		t.Errorf("Body during the write: %v, want ErrNoBody (the old body is gone, the new one incomplete)", err)
	}
	if err := s.Check(t.Context()); err != nil {
		t.Errorf("Check during the write: %v", err)
	}
	close(r.release)
	if err := <-done; err == nil {
		t.Fatal("WriteBody of a broken stream succeeded")
	}
	must(t, s.db.View(func(tx *bolt.Tx) error {
		if n := tx.Bucket([]byte(bucketBodyChunks)).Stats().KeyN; n != 0 {
			t.Errorf("%d chunk keys left after the failed write", n)
		}
		return nil
	}))
	must(t, s.Check(t.Context()))
}
