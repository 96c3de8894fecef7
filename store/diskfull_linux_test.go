//go:build linux

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
	"syscall"
	"testing"
)

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
