package store

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

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
