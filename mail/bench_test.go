package mail

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"comptoir/mail/internal/mailgen"
)

// benchMessages is the benchmark mailbox size (MAIL_BENCH_N overrides it for a quick look).
func benchMessages() int {
	if n, err := strconv.Atoi(os.Getenv("MAIL_BENCH_N")); err == nil && n > 0 {
		return n
	}
	return 10_000
}

// BenchmarkInitialSync compares, in the same run and against the same private Dovecot on
// loopback, Comptoir's initial synchronisation of a 10 000-message INBOX (bodies included,
// 20 % with a PDF) with mbsync's into a Maildir; both write to tmpfs. It also measures the
// incremental pass with nothing new, the private-key operations per connection and the peak
// resident memory of the Comptoir sync.
func BenchmarkInitialSync(b *testing.B) {
	if _, err := exec.LookPath("mbsync"); err != nil {
		b.Fatal("mbsync not found: apt-get install isync")
	}
	r := newRig(b)
	n := benchMessages()
	start := time.Now()
	size, err := r.dov.FillMaildir(testBAL, n, func(i int) []byte { return mailgen.Message(7, i, testBAL) })
	if err != nil {
		b.Fatal(err)
	}
	// Index once so neither client pays Dovecot's first scan.
	if _, err := r.dov.Doveadm(r.ctx, "-o", "mail_fsync=never", "fetch", "-u", testBAL, "size.physical", "mailbox", "INBOX", "all"); err != nil {
		b.Fatal(err)
	}
	mb := float64(size) / 1e6
	b.Logf("mailbox: %d messages, %.0f MB, generated and indexed in %v", n, mb, time.Since(start).Round(time.Millisecond))
	shm := b.TempDir()
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if d, err := os.MkdirTemp("/dev/shm", "comptoir-bench-"); err == nil {
			shm = d
			b.Cleanup(func() { os.RemoveAll(d) })
		}
	}
	mbsync := newMbsync(b, r, shm)

	var ours, theirs []time.Duration
	var peak int64
	var ops int64
	for round := range 3 {
		path := filepath.Join(shm, fmt.Sprintf("cache-%d.db", round))
		cfg := r.config()
		st := r.openStore(path)
		cfg.Store = st
		e := NewEngine(cfg)
		runtime.GC()
		resetPeakRSS()
		before := r.signer.n.Load()
		t0 := time.Now()
		b.ResetTimer()
		if err := e.SyncOnce(r.ctx, testBAL); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		ours = append(ours, time.Since(t0))
		peak = max(peak, peakRSS())
		if f := os.Getenv("MAIL_BENCH_HEAP"); f != "" && round == 0 {
			runtime.GC()
			if out, err := os.Create(f); err == nil {
				_ = pprof.WriteHeapProfile(out)
				out.Close()
			}
		}
		b.Logf("round %d: %s", round, rssBreakdown())
		ops = r.signer.n.Load() - before
		if got, _, _ := st.Counts(testBAL, "INBOX"); got != n {
			b.Fatalf("Comptoir stored %d messages, want %d", got, n)
		}
		theirs = append(theirs, mbsync.run(b, round))
		if round == 0 {
			// Incremental passes with nothing new: on the open session, and with a connection.
			w := newWorker(e, testBAL, e.credentials(testBAL, nil))
			s, err := w.connect(r.ctx)
			if err != nil {
				b.Fatal(err)
			}
			var live []time.Duration
			for range 5 {
				t := time.Now()
				if err := s.syncAll(r.ctx); err != nil {
					b.Fatal(err)
				}
				live = append(live, time.Since(t))
			}
			s.close()
			t := time.Now()
			if err := e.SyncOnce(r.ctx, testBAL); err != nil {
				b.Fatal(err)
			}
			reconnect := time.Since(t)
			b.ReportMetric(float64(median(live).Microseconds())/1000, "ms/incremental")
			b.ReportMetric(float64(reconnect.Microseconds())/1000, "ms/incremental+connect")
			b.Logf("incremental, nothing new: %v on the open session (median of 5), %v with connect+login", median(live), reconnect)
		}
		st.Close()
		os.Remove(path)
	}
	o, m := median(ours), median(theirs)
	b.ReportMetric(float64(n)/o.Seconds(), "msgs/s")
	b.ReportMetric(mb/o.Seconds(), "MB/s")
	b.ReportMetric(float64(n)/m.Seconds(), "mbsync-msgs/s")
	b.ReportMetric(mb/m.Seconds(), "mbsync-MB/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MB")
	b.ReportMetric(float64(ops), "key-ops/connection")
	b.Logf("initial sync of %d messages (%.0f MB): Comptoir %v (%v), mbsync %v (%v); peak RSS %d MB; %d private-key operation(s) for the connection",
		n, mb, o.Round(time.Millisecond), ours, m.Round(time.Millisecond), theirs, peak>>20, ops)
	if o > m {
		b.Errorf("Comptoir (%v) slower than mbsync (%v)", o, m)
	}
	if peak > 150<<20 {
		b.Errorf("peak RSS %d MB > 150 MB", peak>>20)
	}
	if ops != 1 {
		b.Errorf("%d private-key operations for one connection, want 1", ops)
	}
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// resetPeakRSS resets VmHWM (Linux: "5" > /proc/self/clear_refs).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS returns VmHWM in bytes.
func peakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// mbsyncRunner syncs the same INBOX with mbsync (client certificate + EXTERNAL, the BAL
// as user, i.e. authorization identity) into a fresh Maildir on tmpfs.
type mbsyncRunner struct {
	dir string
}

func newMbsync(b *testing.B, r *rig, dir string) *mbsyncRunner {
	m := &mbsyncRunner{dir: filepath.Join(dir, "mbsync")}
	if err := os.MkdirAll(m.dir, 0o700); err != nil {
		b.Fatal(err)
	}
	key := r.signer.Signer
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		b.Fatal(err)
	}
	var chain []byte
	for _, c := range r.cert.Certificate {
		chain = append(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c})...)
	}
	files := map[string][]byte{
		"client.pem": chain,
		"client.key": pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}),
		"ca.pem":     r.pki.RootPEM(),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(m.dir, name), data, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	_, port, _ := strings.Cut(r.dov.IMAPAddr, ":")
	conf := fmt.Sprintf(`IMAPAccount bench
Host localhost
Port %s
User %s
AuthMechs EXTERNAL
SSLType STARTTLS
SSLVersions TLSv1.2 TLSv1.3
CertificateFile %[3]s/ca.pem
ClientCertificate %[3]s/client.pem
ClientKey %[3]s/client.key

IMAPStore remote
Account bench

MaildirStore local
Path %[3]s/mail/
Inbox %[3]s/mail/INBOX

Channel bench
Far :remote:
Near :local:
Patterns INBOX
Create Near
Sync Pull
SyncState *
`, port, testBAL, m.dir)
	if err := os.WriteFile(filepath.Join(m.dir, "mbsyncrc"), []byte(conf), 0o600); err != nil {
		b.Fatal(err)
	}
	return m
}

func (m *mbsyncRunner) run(b *testing.B, round int) time.Duration {
	os.RemoveAll(filepath.Join(m.dir, "mail"))
	if err := os.MkdirAll(filepath.Join(m.dir, "mail"), 0o700); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "mbsync", "-q", "-c", filepath.Join(m.dir, "mbsyncrc"), "bench")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	t := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("mbsync (round %d): %v\n%s", round, err, out.String())
	}
	return time.Since(t)
}

// rssBreakdown returns the Rss lines of /proc/self/status (anonymous, file, shared memory).
func rssBreakdown() string {
	b, _ := os.ReadFile("/proc/self/status")
	var parts []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "Rss") || strings.HasPrefix(l, "VmHWM") {
			parts = append(parts, strings.Join(strings.Fields(l), " "))
		}
	}
	return strings.Join(parts, ", ")
}
