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

// benchCorpus is a benchmark mailbox: how to generate message i, and whether it is unread.
type benchCorpus struct {
	name string
	gen  func(i int) ([]byte, bool)
}

var benchCorpora = []benchCorpus{
	// The mix of real MSSanté mail (issue 18's targets are measured on it).
	{"mixed", func(i int) ([]byte, bool) { m := mailgen.Mixed(7, i, testBAL); return m.Raw, m.Unread }},
	// The first, narrower corpus: text bodies, 20 % with a PDF.
	{"simple", func(i int) ([]byte, bool) { return mailgen.Message(7, i, testBAL), false }},
}

// Targets of issue 18 for the initial sync.
const (
	targetSpeedup = 1.3       // mbsync's time over Comptoir's, on each medium
	targetPeakRSS = 120 << 20 // bytes
)

// BenchmarkInitialSync compares, in the same run and against the same private Dovecot on
// loopback, Comptoir's initial synchronisation of a 10 000-message INBOX (bodies included)
// with mbsync's into a Maildir, for each corpus (sub-benchmarks mixed and simple), both
// clients writing to tmpfs and then to disk. Rounds alternate the two clients and the
// order in which they run. It prints each run, the medians, the speed ratio, Comptoir's
// CPU time and peak resident memory, the incremental pass with nothing new and the
// private-key operations per connection.
//
// MAIL_BENCH_N changes the mailbox size; MAIL_BENCH_ROUNDS the rounds (3); MAIL_BENCH_CPU,
// MAIL_BENCH_HEAP, MAIL_BENCH_BLOCK name files for profiles of Comptoir's syncs only.
// MAIL_BENCH_PERF names a perf.data file: `perf record -g` of the first of them (Linux).
func BenchmarkInitialSync(b *testing.B) {
	if _, err := exec.LookPath("mbsync"); err != nil {
		b.Fatal("mbsync not found: apt-get install isync")
	}
	for _, c := range benchCorpora {
		b.Run(c.name, func(b *testing.B) { benchInitialSync(b, c) })
	}
}

// benchMedium is where both clients write: their runs and Comptoir's peak RSS.
type benchMedium struct {
	name         string
	dir          string
	mbsync       *mbsyncRunner
	ours, theirs []time.Duration
	cpu          []time.Duration // Comptoir's process
	dovOurs      []time.Duration // Dovecot's processes, serving Comptoir
	dovTheirs    []time.Duration // and serving mbsync
	cpuTheirs    []time.Duration // mbsync's process
	peak         int64
}

func benchInitialSync(b *testing.B, c benchCorpus) {
	r := newRig(b)
	// The rounds outlast the rig's 5-minute context on a loaded machine.
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	b.Cleanup(cancel)
	r.ctx = ctx
	n := benchMessages()
	rounds := 3
	if v, err := strconv.Atoi(os.Getenv("MAIL_BENCH_ROUNDS")); err == nil && v > 0 {
		rounds = v
	}
	start := time.Now()
	unread := 0
	size, err := r.dov.FillMaildirUnread(testBAL, n, func(i int) ([]byte, bool) {
		raw, u := c.gen(i)
		if u {
			unread++
		}
		return raw, u
	})
	if err != nil {
		b.Fatal(err)
	}
	// Index once so neither client pays Dovecot's first scan.
	if _, err := r.dov.Doveadm(r.ctx, "-o", "mail_fsync=never", "fetch", "-u", testBAL, "size.physical", "mailbox", "INBOX", "all"); err != nil {
		b.Fatal(err)
	}
	mb := float64(size) / 1e6
	b.Logf("mailbox %s: %d messages (%d unread), %.0f MB, generated and indexed in %v", c.name, n, unread, mb, time.Since(start).Round(time.Millisecond))
	if fi, err := os.Stat("/dev/shm"); err != nil || !fi.IsDir() {
		b.Fatal("no /dev/shm: the benchmark compares the clients on tmpfs and on disk")
	}
	shm, err := os.MkdirTemp("/dev/shm", "comptoir-bench-")
	if err != nil {
		b.Fatalf("tmpfs: %v", err)
	}
	b.Cleanup(func() { os.RemoveAll(shm) })
	disk := b.TempDir()
	media := []*benchMedium{{name: "tmpfs", dir: shm}, {name: "disk", dir: disk}}
	for _, m := range media {
		m.mbsync = newMbsync(b, r, m.dir)
	}
	prof := startBenchProfiles(b)
	defer prof.stop()

	var ops int64
	for round := range rounds {
		for _, m := range media {
			// Odd rounds run mbsync first: neither client always gets the warmer caches.
			var d, cpu time.Duration
			var peak int64
			theirs := func() {
				tc := watchTreeCPU(r.dov.PID())
				base := tc.snapshot()
				m.theirs = append(m.theirs, m.mbsync.run(b, round))
				m.dovTheirs = append(m.dovTheirs, tc.total(base))
				m.cpuTheirs = append(m.cpuTheirs, m.mbsync.lastCPU)
			}
			if round%2 == 1 {
				theirs()
			}
			tc := watchTreeCPU(r.dov.PID())
			base := tc.snapshot()
			d, cpu, peak, ops = benchOurs(b, r, m, round, n, prof, round == 0 && m.name == "tmpfs")
			dov := tc.total(base)
			m.ours, m.cpu, m.dovOurs = append(m.ours, d), append(m.cpu, cpu), append(m.dovOurs, dov)
			m.peak = max(m.peak, peak)
			if round%2 == 0 {
				theirs()
			}
			b.Logf("round %d, %s: Comptoir %v (CPU %v, Dovecot CPU %v, peak RSS %d MB), mbsync %v (CPU %v, Dovecot CPU %v)", round, m.name,
				d.Round(time.Millisecond), cpu.Round(time.Millisecond), dov, peak>>20,
				m.theirs[len(m.theirs)-1].Round(time.Millisecond), m.cpuTheirs[len(m.cpuTheirs)-1], m.dovTheirs[len(m.dovTheirs)-1])
		}
	}
	var peak int64
	for _, m := range media {
		o, t := median(m.ours), median(m.theirs)
		ratio := t.Seconds() / o.Seconds()
		peak = max(peak, m.peak)
		b.ReportMetric(o.Seconds(), m.name+"-s")
		b.ReportMetric(t.Seconds(), m.name+"-mbsync-s")
		b.ReportMetric(ratio, m.name+"-speedup")
		b.ReportMetric(float64(n)/o.Seconds(), m.name+"-msgs/s")
		b.Logf("%s %s: %d messages, %.0f MB: Comptoir %v %v (%.0f msg/s, %.1f MB/s, CPU %v + Dovecot %v), mbsync %v %v (%.0f msg/s, CPU %v + Dovecot %v): mbsync/Comptoir %.2f×; peak RSS %d MB",
			c.name, m.name, n, mb, o.Round(time.Millisecond), roundAll(m.ours), float64(n)/o.Seconds(), mb/o.Seconds(), median(m.cpu).Round(time.Millisecond), median(m.dovOurs),
			t.Round(time.Millisecond), roundAll(m.theirs), float64(n)/t.Seconds(), median(m.cpuTheirs), median(m.dovTheirs), ratio, m.peak>>20)
		// What the machine allows: the server process of one IMAP connection must do its own
		// work before the last message can arrive, and both processes share the CPUs.
		// A client doing no more than mbsync itself (TLS, writing each message), on any
		// number of connections, still shares the CPUs with the server.
		ncpu := time.Duration(runtime.NumCPU())
		serverFloor := median(m.dovOurs)
		cpuFloor := (median(m.cpu) + serverFloor) / ncpu
		leanFloor := (median(m.cpuTheirs) + median(m.dovTheirs)) / ncpu
		b.Logf("%s %s: floors on %d CPUs: one connection, Dovecot's own CPU %v (mbsync/that %.2f×); Comptoir's and Dovecot's CPU shared out %v (%.2f×); a client using only mbsync's CPU, any number of connections, %v (%.2f×)",
			c.name, m.name, runtime.NumCPU(), serverFloor.Round(time.Millisecond), t.Seconds()/serverFloor.Seconds(),
			cpuFloor.Round(time.Millisecond), t.Seconds()/cpuFloor.Seconds(), leanFloor.Round(time.Millisecond), t.Seconds()/leanFloor.Seconds())
		if ratio < targetSpeedup {
			b.Errorf("%s: Comptoir %v is %.2f× mbsync's speed (%v), target %.1f×", m.name, o, ratio, t, targetSpeedup)
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MB")
	b.ReportMetric(float64(ops), "key-ops/connection")
	b.Logf("%d private-key operation(s) for the connection", ops)
	if peak > targetPeakRSS {
		b.Errorf("peak RSS %d MB > %d MB", peak>>20, targetPeakRSS>>20)
	}
	if ops != 1 {
		b.Errorf("%d private-key operations for one connection, want 1", ops)
	}
}

// benchOurs runs one Comptoir initial sync into a fresh store in m.dir and returns its wall
// and CPU time, its peak RSS and the private-key operations of its connection. incremental
// also measures the passes with nothing new.
func benchOurs(b *testing.B, r *rig, m *benchMedium, round, n int, prof *benchProfiles, incremental bool) (time.Duration, time.Duration, int64, int64) {
	path := filepath.Join(m.dir, fmt.Sprintf("cache-%d.db", round))
	cfg := r.config()
	st := r.openStore(path)
	defer os.Remove(path)
	defer st.Close()
	cfg.Store = st
	e := NewEngine(cfg)
	runtime.GC()
	resetPeakRSS()
	before := r.signer.n.Load()
	cpu0, faults0 := processCPU(), processFaults()
	var gc0 runtime.MemStats
	runtime.ReadMemStats(&gc0)
	prof.resume()
	t0 := time.Now()
	b.ResetTimer()
	if err := e.SyncOnce(r.ctx, testBAL); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	d := time.Since(t0)
	prof.pause()
	cpu, faults := processCPU()-cpu0, processFaults()-faults0
	var gc1 runtime.MemStats
	runtime.ReadMemStats(&gc1)
	peak := peakRSS()
	ops := r.signer.n.Load() - before
	b.Logf("round %d, %s: %s; %d GC cycles, %.0f MB allocated, %d minor page faults", round, m.name, rssBreakdown(),
		gc1.NumGC-gc0.NumGC, float64(gc1.TotalAlloc-gc0.TotalAlloc)/1e6, faults)
	if got, _, _ := st.Counts(testBAL, "INBOX"); got != n {
		b.Fatalf("Comptoir stored %d messages, want %d", got, n)
	}
	if incremental {
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
	return d, cpu, peak, ops
}

func roundAll(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(10 * time.Millisecond)
	}
	return out
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
	dir     string
	lastCPU time.Duration // user and system CPU time of the last run
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
	d := time.Since(t)
	m.lastCPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return d
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
