package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
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
	must(t, s.Close())
	fi, _ := os.Stat(path)
	must(t, os.Truncate(path, fi.Size()/3))
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

// diskFullReport is what the disk-full child prints as JSON.
type diskFullReport struct {
	Acked      int
	FullErr    string
	IsDiskFull bool
	ReadAfter  int // messages readable right after the failure
	Reopened   int // messages found after Close and Open
	Check      string
	WriteAfter string // a small write after freeing space
	Err        string
}

// TestDiskFull fills a 2 MiB tmpfs (mounted in a private mount namespace of a child
// process, so the host sees nothing) until a write fails, then checks that the failure is
// ErrDiskFull and that the file still opens, passes bbolt's check and holds every
// acknowledged message.
func TestDiskFull(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=diskfull", "COMPTOIR_STORE_DIR="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("disk-full child: %v\n%s\n(the test needs root or CAP_SYS_ADMIN to mount a tmpfs in a private mount namespace; run `make test` as root)", err, out)
	}
	var r diskFullReport
	if err := json.Unmarshal(lastLine(out), &r); err != nil {
		t.Fatalf("child report %q: %v", out, err)
	}
	t.Logf("disk full after %d acknowledged messages: %s", r.Acked, r.FullErr)
	if r.Err != "" {
		t.Fatalf("child: %s", r.Err)
	}
	if !r.IsDiskFull || r.Acked == 0 {
		t.Fatalf("no ErrDiskFull (acked %d, err %q)", r.Acked, r.FullErr)
	}
	if r.ReadAfter != r.Acked || r.Reopened != r.Acked {
		t.Fatalf("acknowledged %d, readable %d after the failure, %d after reopening", r.Acked, r.ReadAfter, r.Reopened)
	}
	if r.Check != "" {
		t.Fatalf("check after disk full: %s", r.Check)
	}
	if r.WriteAfter != "" {
		t.Fatalf("write after freeing space: %s", r.WriteAfter)
	}
}

func lastLine(b []byte) []byte {
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	return lines[len(lines)-1]
}

func diskFullChild() int {
	var r diskFullReport
	defer func() { json.NewEncoder(os.Stdout).Encode(r) }()
	fail := func(err error) int { r.Err = err.Error(); return 0 }
	dir := filepath.Join(os.Getenv("COMPTOIR_STORE_DIR"), "tmpfs")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fail(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=2m"); err != nil {
		return fail(fmt.Errorf("mount tmpfs: %w", err))
	}
	defer syscall.Unmount(dir, 0)
	// Another file takes space; deleting it later stands for the user freeing space.
	filler := filepath.Join(dir, "filler")
	if err := os.WriteFile(filler, make([]byte, 512<<10), 0o600); err != nil {
		return fail(err)
	}
	path := filepath.Join(dir, "c.db")
	s, err := Open(path, testKey(1), Options{})
	if err != nil {
		return fail(err)
	}
	body := bytes.Repeat([]byte("%PDF-1.4 ordonnance "), 400) // 8 KB
	for uid := uint32(1); uid < 10000; uid += 10 {
		var batch []Message
		for i := range uint32(10) {
			batch = append(batch, msg(bal, "INBOX", uid+i, "Ordonnance", "texte de l'ordonnance", body))
		}
		if err := s.PutMessages(batch); err != nil {
			r.FullErr, r.IsDiskFull = err.Error(), errors.Is(err, ErrDiskFull)
			break
		}
		r.Acked += len(batch)
	}
	uids, err := s.UIDs(bal, "INBOX")
	if err != nil {
		return fail(err)
	}
	r.ReadAfter = len(uids)
	if err := s.Close(); err != nil {
		return fail(err)
	}
	if s, err = Open(path, testKey(1), Options{}); err != nil {
		return fail(fmt.Errorf("reopen: %w", err))
	}
	defer s.Close()
	if uids, err = s.UIDs(bal, "INBOX"); err != nil {
		return fail(err)
	}
	r.Reopened = len(uids)
	for _, uid := range uids {
		if b, err := s.Body(Ref{bal, "INBOX", uid}); err != nil || !bytes.Equal(b, body) {
			return fail(fmt.Errorf("body %d after disk full: %v", uid, err))
		}
	}
	if err := s.Check(context.Background()); err != nil {
		r.Check = err.Error()
	}
	if err := os.Remove(filler); err != nil {
		return fail(err)
	}
	if err := s.PutMessages([]Message{msg(bal, "INBOX", 99999, "après", "", []byte("petit"))}); err != nil {
		r.WriteAfter = err.Error()
	}
	return 0
}
