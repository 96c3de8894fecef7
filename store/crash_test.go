//go:build linux

package store

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	crashRuns  = 200
	crashBatch = 5
)

// crashBody is the deterministic raw body of a UID, 1 to 8 KB, so the parent can verify
// content, not just presence.
func crashBody(uid uint32) []byte {
	r := rand.New(rand.NewPCG(uint64(uid), 7))
	b := make([]byte, 1024+r.IntN(7*1024))
	for i := range b {
		b[i] = byte('a' + r.IntN(26))
	}
	return b
}

func crashMessage(uid uint32) Message {
	folder := "INBOX"
	if uid%4 == 0 {
		folder = "Envoyés"
	}
	return msg(bal, folder, uid, fmt.Sprintf("Renouvellement %d", uid), "Merci de préparer le traitement habituel.", crashBody(uid))
}

// crashChild writes batches forever, printing "ack <last uid>" after each commit returned.
func crashChild() int {
	start, _ := strconv.ParseUint(os.Getenv("COMPTOIR_STORE_START"), 10, 32)
	der, err := os.ReadFile(os.Getenv("COMPTOIR_STORE_KEY"))
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	key, err := x509.ParsePKCS1PrivateKey(der)
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	s, err := Open(os.Getenv("COMPTOIR_STORE_PATH"), key, Options{LockTimeout: 5 * time.Second})
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	fmt.Println("ready")
	for uid := uint32(start); ; uid += crashBatch {
		var batch []Message
		for i := range uint32(crashBatch) {
			batch = append(batch, crashMessage(uid+i))
		}
		if err := s.PutMessages(batch); err != nil {
			fmt.Println("error", err)
			return 1
		}
		if uid%3 == 0 { // flag changes rewrite older pages too
			if err := s.SetFlags(batch[0].Envelope.Ref, []string{flagSeen}); err != nil {
				fmt.Println("error", err)
				return 1
			}
		}
		fmt.Printf("ack %d\n", uid+crashBatch-1)
	}
}

// TestCrashKeepsAcknowledgedWrites kills a writing child with SIGKILL at random points,
// 200 times; after each kill the file must open, pass bbolt's check and hold every write
// the child acknowledged.
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	// A process kill loses nothing from the page cache, so tmpfs is as good as a disk here
	// and spares 200 runs of fsync latency on a shared machine.
	dir := t.TempDir()
	if d, err := os.MkdirTemp("/dev/shm", "comptoir-crash-"); err == nil {
		dir = d
		t.Cleanup(func() { os.RemoveAll(d) })
	}
	path := filepath.Join(dir, "crash.db")
	keyFile := filepath.Join(dir, "test-key.der") // the fixed test key: saves the child its prime search
	must(t, os.WriteFile(keyFile, x509.MarshalPKCS1PrivateKey(testKey(1)), 0o600))
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	var acked uint32 // every UID in 1..acked was acknowledged
	verified := uint32(0)
	midOpen := 0
	for run := range crashRuns {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"=crash", "COMPTOIR_STORE_PATH="+path, "COMPTOIR_STORE_KEY="+keyFile,
			fmt.Sprintf("COMPTOIR_STORE_START=%d", acked+1))
		out, err := cmd.StdoutPipe()
		must(t, err)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		must(t, cmd.Start())
		// Kill after k acknowledgements, at once or after a short random delay.
		k := rng.IntN(4)
		var delay time.Duration
		if rng.IntN(2) == 0 {
			delay = time.Duration(rng.IntN(4000)) * time.Microsecond
		}
		if run == 0 {
			k = 2 // the first run also checks the lock against a live writer
		}
		kill := func() {
			if delay == 0 {
				cmd.Process.Kill()
				return
			}
			time.AfterFunc(delay, func() { cmd.Process.Kill() })
		}
		sc := bufio.NewScanner(out)
		acks, killed, ready := 0, false, false
		if k == 0 && rng.IntN(4) == 0 { // sometimes kill while it opens the file
			kill()
			killed = true
		}
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "ready":
				ready = true
			case strings.HasPrefix(line, "ack "):
				n, err := strconv.ParseUint(line[4:], 10, 32)
				must(t, err)
				acked = max(acked, uint32(n))
				acks++
			default:
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("run %d: child said %q; stderr: %s", run, line, stderr.String())
			}
			if run == 0 && ready && acks == 1 {
				// Another process holds the file: a second Comptoir gets ErrLocked.
				if _, err := Open(path, testKey(1), Options{LockTimeout: 50 * time.Millisecond}); !errors.Is(err, ErrLocked) {
					cmd.Process.Kill()
					cmd.Wait()
					t.Fatalf("Open while another process writes: %v, want ErrLocked", err)
				}
			}
			if !killed && ready && acks >= k {
				kill()
				killed = true
			}
		}
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("run %d: child ended with %v, not SIGKILL; stderr: %s", run, err, stderr.String())
		}
		if !ready {
			midOpen++
		}
		verified = verifyCrashFile(t, run, path, acked, verified, run == crashRuns-1)
	}
	t.Logf("%d kills (%d during Open), %d messages acknowledged and found", crashRuns, midOpen, acked)
	if acked < crashRuns {
		t.Errorf("only %d messages acknowledged in %d runs: the kills came too early to test much", acked, crashRuns)
	}
}

// verifyCrashFile opens the file after a kill: bbolt check, every acknowledged UID present,
// counts coherent; bodies of UIDs above verified (all of them when full) byte for byte.
func verifyCrashFile(t *testing.T, run int, path string, acked, verified uint32, full bool) uint32 {
	t.Helper()
	if _, err := os.Stat(path); os.IsNotExist(err) && acked == 0 {
		return 0
	}
	s, err := Open(path, testKey(1), Options{LockTimeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("run %d: open after kill: %v", run, err)
	}
	defer s.Close()
	if err := s.Check(context.Background()); err != nil {
		t.Fatalf("run %d: check after kill: %v", run, err)
	}
	have := map[uint32]bool{}
	for _, folder := range []string{"INBOX", "Envoyés"} {
		uids, err := s.UIDs(bal, folder)
		must(t, err)
		for _, u := range uids {
			have[u] = true
		}
		if total, _, err := s.Counts(bal, folder); err == nil && total != len(uids) {
			t.Fatalf("run %d: %s counts %d messages, holds %d", run, folder, total, len(uids))
		}
	}
	from := verified + 1
	if full {
		from = 1
	}
	for uid := uint32(1); uid <= acked; uid++ {
		if !have[uid] {
			t.Fatalf("run %d: acknowledged UID %d lost", run, uid)
		}
		if uid < from {
			continue
		}
		m := crashMessage(uid)
		body, err := s.Body(m.Envelope.Ref)
		if err != nil || !bytes.Equal(body, m.Body) {
			t.Fatalf("run %d: UID %d body wrong: %v", run, uid, err)
		}
	}
	return acked
}
