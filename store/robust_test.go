package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func fixedNow() time.Time { return time.Date(2026, 11, 25, 23, 0, 0, 0, time.UTC) }

// assertSetAside checks that Open refused the file, moved it intact, and that a new Open
// then starts a fresh cache.
func assertSetAside(t *testing.T, path string, err error, original []byte) {
	t.Helper()
	var ce *CorruptError
	if !errors.Is(err, ErrCorrupt) || !errors.As(err, &ce) {
		t.Fatalf("Open: %v, want ErrCorrupt", err)
	}
	want := path + ".corrupt-20261125T230000Z"
	if ce.Aside != want || ce.Path != path {
		t.Fatalf("set aside as %q, want %q", ce.Aside, want)
	}
	got, rerr := os.ReadFile(ce.Aside)
	if rerr != nil || !bytes.Equal(got, original) {
		t.Fatalf("set-aside file differs from the original (%v)", rerr)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("original path still occupied: %v", err)
	}
	s, err := Open(path, newSigner(1), Options{})
	if err != nil {
		t.Fatalf("fresh Open after set-aside: %v", err)
	}
	s.Close()
}

func TestGarbageFileSetAside(t *testing.T) {
	for name, content := range map[string][]byte{
		"text":  []byte("ceci n'est pas une base bbolt\n"),
		"pages": bytes.Repeat([]byte{0xA5}, 64<<10),
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.db")
			must(t, os.WriteFile(path, content, 0o600))
			_, err := Open(path, newSigner(1), Options{now: fixedNow})
			assertSetAside(t, path, err, content)
		})
	}
}

func TestForeignBboltFileSetAside(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	db, err := bolt.Open(path, 0o600, nil)
	must(t, err)
	must(t, db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("widgets"))
		if err != nil {
			return err
		}
		return b.Put([]byte("k"), []byte("v"))
	}))
	must(t, db.Close())
	orig, _ := os.ReadFile(path)
	_, err = Open(path, newSigner(1), Options{now: fixedNow})
	assertSetAside(t, path, err, orig)
}

func TestDamagedFileSetAside(t *testing.T) {
	s, path := openTest(t)
	var ms []Message
	for i := uint32(1); i <= 200; i++ {
		ms = append(ms, msg(bal, "INBOX", i, "objet", "texte du message", bytes.Repeat([]byte("x"), 3000)))
	}
	must(t, s.PutMessages(ms))
	must(t, s.Close())
	raw, _ := os.ReadFile(path)
	// Destroy both meta pages (page 0 and 1): bbolt cannot find a valid root.
	bad := bytes.Clone(raw)
	for i := 16; i < 2*4096; i++ {
		bad[i] ^= 0x5a
	}
	must(t, os.WriteFile(path, bad, 0o600))
	_, err := Open(path, newSigner(1), Options{now: fixedNow})
	assertSetAside(t, path, err, bad)
}

func TestTruncatedFileIsCorruptNotACrash(t *testing.T) {
	s, path := openTest(t)
	var ms []Message
	for i := uint32(1); i <= 300; i++ {
		ms = append(ms, msg(bal, "INBOX", i, "objet", "texte", bytes.Repeat([]byte("y"), 4000)))
	}
	must(t, s.PutMessages(ms))
	// The file may end in space bbolt allocated ahead (sparse): cut into the pages in use.
	var used int64
	must(t, s.db.View(func(tx *bolt.Tx) error { used = tx.Size(); return nil }))
	must(t, s.Close())
	must(t, os.Truncate(path, used/3))
	s, err := Open(path, newSigner(1), Options{now: fixedNow})
	if err == nil { // bbolt may open it; reading must then report corruption, not crash
		defer s.Close()
		_, err1 := s.Page(bal, "INBOX", 0, 300)
		err2 := s.Check(t.Context())
		if !errors.Is(err1, ErrCorrupt) && !errors.Is(err2, ErrCorrupt) {
			t.Fatalf("truncated file: Page %v, Check %v; want ErrCorrupt", err1, err2)
		}
		return
	}
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open truncated: %v", err)
	}
}

func TestNewerSchemaLeftAlone(t *testing.T) {
	s, path := openTest(t)
	must(t, s.Close())
	db, err := bolt.Open(path, 0o600, nil)
	must(t, err)
	must(t, db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bucketMeta)).Put([]byte(metaSchema), u32(schemaVersion+1))
	}))
	db.Close()
	if _, err := Open(path, newSigner(1), Options{}); !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("newer schema: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("newer file moved: %v", err)
	}
}

func TestPlainFileRefusedByTheApp(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	s, err := Open(path, newSigner(1), Options{insecureNoEncryption: true})
	must(t, err)
	must(t, s.Close())
	// An unencrypted file (planted, or left by a benchmark) must not receive health data.
	_, err = Open(path, newSigner(1), Options{now: fixedNow})
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("plain file opened by the app: %v", err)
	}
}

func TestBadInputNeverPanics(t *testing.T) {
	s, _ := openTest(t)
	if err := s.PutMessages([]Message{{}}); err == nil {
		t.Errorf("empty ref accepted")
	}
	if _, err := s.Page(bal, "INBOX", -1, 5); err == nil {
		t.Errorf("negative offset accepted")
	}
	for _, q := range []string{"", " ", "\xff\xfe", strings.Repeat("é", 10000), "l'", "a b c", "\u0301\u0301"} {
		if _, err := s.Search(Query{Text: q}); err != nil {
			t.Errorf("Search(%q): %v", q, err)
		}
	}
	if _, _, err := s.Counts("nope", "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Counts of unknown folder: %v", err)
	}
	if err := s.SetFlags(Ref{bal, "INBOX", 9}, nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetFlags unknown: %v", err)
	}
	if err := s.Move(Ref{bal, "INBOX", 9}, "X", 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("Move unknown: %v", err)
	}
}
