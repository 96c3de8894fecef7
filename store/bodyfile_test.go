package store

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	stdiotest "testing/iotest"
)

// A range of a body reads back the bytes stored, chunked or whole, across chunk
// boundaries and in reads of any size.
func TestBodyFileSections(t *testing.T) {
	s, _ := openTest(t)
	chunked := randomBody(3*bodyChunk+123, 11)
	whole := []byte("From: a@b.test\r\n\r\ncorps entier")
	must(t, s.PutMessages([]Message{msg(bal, "INBOX", 1, "gros", "", nil), msg(bal, "INBOX", 2, "petit", "", whole)}))
	_, err := s.WriteBody(Ref{bal, "INBOX", 1}, bytes.NewReader(chunked))
	must(t, err)
	for uid, want := range map[uint32][]byte{1: chunked, 2: whole} {
		f, err := s.OpenBodyFile(Ref{bal, "INBOX", uid})
		must(t, err)
		if f.Size() != int64(len(want)) {
			t.Fatalf("uid %d: size %d, want %d", uid, f.Size(), len(want))
		}
		size := int64(len(want))
		for _, r := range [][2]int64{{0, size}, {0, 0}, {size, 0}, {1, 5}, {size - 7, 7},
			{bodyChunk - 3, 10}, {bodyChunk, bodyChunk}, {bodyChunk - 1, 2*bodyChunk + 2}} {
			if r[0]+r[1] > size {
				continue
			}
			for _, oneByte := range []bool{false, true} {
				sec, err := f.Section(t.Context(), r[0], r[1])
				must(t, err)
				var rd io.Reader = sec
				if oneByte {
					rd = stdiotest.OneByteReader(sec)
				}
				got, err := io.ReadAll(rd)
				must(t, err)
				must(t, sec.Close())
				if !bytes.Equal(got, want[r[0]:r[0]+r[1]]) {
					t.Errorf("uid %d, %d+%d (one byte %v): %d bytes, not identical", uid, r[0], r[1], oneByte, len(got))
				}
			}
		}
		if _, err := f.Section(t.Context(), size-1, 2); err == nil {
			t.Errorf("uid %d: a range past the end opened", uid)
		}
		if _, err := f.Section(t.Context(), -1, 1); err == nil {
			t.Errorf("uid %d: a negative offset opened", uid)
		}
	}
	if _, err := s.OpenBodyFile(Ref{bal, "INBOX", 3}); !errors.Is(err, ErrNotFound) {
		t.Errorf("no message: %v", err)
	}
	must(t, s.PutMessages([]Message{msg(bal, "INBOX", 4, "sans corps", "", nil)}))
	if _, err := s.OpenBodyFile(Ref{bal, "INBOX", 4}); !errors.Is(err, ErrNoBody) {
		t.Errorf("no body: %v", err)
	}
}

// What was learnt from a body (where its parts are) never applies to another: a body
// rewritten or expunged since it was opened fails the reads, and so does a cancelled
// context or a locked store.
func TestBodyFileChanged(t *testing.T) {
	s, _ := openTest(t)
	ref := Ref{bal, "INBOX", 1}
	must(t, s.PutMessages([]Message{msg(bal, "INBOX", 1, "gros", "", nil)}))
	body := randomBody(2*bodyChunk, 12)
	_, err := s.WriteBody(ref, bytes.NewReader(body))
	must(t, err)
	read := func(f *BodyFile, ctx context.Context) error {
		sec, err := f.Section(ctx, bodyChunk, 10)
		must(t, err)
		defer sec.Close()
		_, err = io.ReadAll(sec)
		return err
	}
	f, err := s.OpenBodyFile(ref)
	must(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := read(f, ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	_, err = s.WriteBody(ref, bytes.NewReader(randomBody(2*bodyChunk, 13)))
	must(t, err)
	if err := read(f, t.Context()); !errors.Is(err, ErrBodyChanged) {
		t.Errorf("rewritten: %v, want ErrBodyChanged", err)
	}
	f, err = s.OpenBodyFile(ref)
	must(t, err)
	s.Lock()
	if err := read(f, t.Context()); !errors.Is(err, ErrSealed) {
		t.Errorf("locked: %v, want ErrSealed", err)
	}
	must(t, s.Unlock(newSigner(1)))
	must(t, read(f, t.Context()))
	must(t, s.Expunge(bal, "INBOX", []uint32{1}))
	if err := read(f, t.Context()); !errors.Is(err, ErrBodyChanged) {
		t.Errorf("expunged: %v, want ErrBodyChanged", err)
	}
}
