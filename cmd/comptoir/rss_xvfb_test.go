package main

import (
	"bufio"
	"context"
	"crypto"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"comptoir/app/config"
	"comptoir/app/pdfview/pdftest"
	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cps/cpstest"
	"comptoir/store"
)

// BenchmarkClientRSSUnderXvfb measures the resident memory of the client alone: the real
// comptoir binary (not -demo) in an X window under Xvfb, configured through config.json
// against the sandbox operator running in its own process (mss-sandbox serve --seed) and
// the SoftHSM2 test cards. Another process reads /proc/PID/status (VmRSS, RssAnon,
// RssFile) of the client at each step of -measure-tour:
//   - online: the pharmacy's seeded mailbox shown ("inbox"), then its prescription PDF
//     drawn ("pdf"; by a -render-pdf child), then a reply window and the
//     settings window opened and closed ("windows");
//   - offline: the titulaire's inbox of 50 000 cached messages shown ("50k");
//   - for comparison, "comptoir -demo" (sandbox, PKI and cards in-process) at the same two
//     screens as online ("demo-inbox", "demo-pdf").
//
// The target of issue #6 is < 250 MB resident.
func BenchmarkClientRSSUnderXvfb(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	w := startClientWorld(ctx, b)
	home, bin, ops, env, cards := w.home, w.bin, w.ops, w.env, w.cards
	seed := sandbox.Seed(ops.Domain)

	for b.Loop() {
		writeClientConfig(b, home, ops, cards.ModulePath())
		online := measureClient(ctx, b, filepath.Join(bin, "comptoir"), env,
			[]string{cpstest.Titulaire.Label, cpstest.Titulaire.PIN, seed.Pharmacy, "4", "Ordonnance pour ce soir"})
		report(b, "online", online)

		// The 50 000 messages sit in the cache only: offline, the engine cannot reconcile
		// them away against the sandbox's real INBOX.
		fillClientCache(ctx, b, home, cards, seed, 50_000)
		dead := ops
		dead.IMAP, dead.SMTP, dead.API = "127.0.0.1:1", "127.0.0.1:1", "https://127.0.0.1:1"
		writeClientConfig(b, home, dead, cards.ModulePath())
		offline := measureClient(ctx, b, filepath.Join(bin, "comptoir"), env,
			[]string{cpstest.Titulaire.Label, cpstest.Titulaire.PIN, seed.Titulaire, "50000", ""})
		report(b, "50k", offline)

		// For comparison, "comptoir -demo": the same client plus the sandbox operator,
		// its PKI and the test cards in the one process.
		demo := measureDemo(ctx, b, filepath.Join(bin, "comptoir"), append(env, "SOFTHSM2_CONF="))
		report(b, "demo", demo)
	}
}

// TestClientRSSUnderXvfb enforces the target the benchmark measures: the real client alone,
// under Xvfb against the sandbox in its own process, stays under 250 MB resident with the
// pharmacy's mailbox shown, its prescription's PDF drawn, and after a reply and the settings
// windows were opened and closed.
func TestClientRSSUnderXvfb(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	w := startClientWorld(ctx, t)
	seed := sandbox.Seed(w.ops.Domain)
	writeClientConfig(t, w.home, w.ops, w.cards.ModulePath())
	steps := measureClient(ctx, t, filepath.Join(w.bin, "comptoir"), w.env,
		[]string{cpstest.Titulaire.Label, cpstest.Titulaire.PIN, seed.Pharmacy, "4", "Ordonnance pour ce soir"})
	report(t, "online", steps)
	const target = 250
	for _, name := range []string{"inbox", "pdf", "windows"} {
		m, ok := steps[name]
		if !ok {
			t.Fatalf("no reading at %s", name)
		}
		if m.RSS >= target {
			t.Errorf("%s: %.0f MB resident, want < %d MB; largest mappings (MB): %s", name, m.RSS, target, m.Top)
		}
	}
}

// clientWorld is the real client's surroundings: its binary and the sandbox's (built with the
// demo tag for -measure-tour), the sandbox in its own process, an X server and a private home.
type clientWorld struct {
	home, bin string
	ops       sandboxEndpoints
	env       []string
	cards     *cpstest.Cards
}

func startClientWorld(ctx context.Context, tb testing.TB) clientWorld {
	tb.Helper()
	_, cards := testCards(tb)
	w := clientWorld{home: tb.TempDir(), cards: cards}
	w.bin = filepath.Join(w.home, "bin")
	for c, pkg := range map[string]string{"comptoir": ".", "mss-sandbox": "../mss-sandbox"} {
		out, err := exec.CommandContext(ctx, "go", "build", "-tags", "demo", "-o", filepath.Join(w.bin, c), pkg).CombinedOutput()
		if err != nil {
			tb.Fatalf("go build %s: %v\n%s", c, err, out)
		}
	}
	w.ops = startSandboxProcess(ctx, tb, filepath.Join(w.bin, "mss-sandbox"))
	w.env = clientEnv(tb, w.home, startXvfb(ctx, tb))
	return w
}

// measureDemo runs "comptoir -demo -demo-tour" and reads its memory when the pharmacy's
// mailbox ("inbox") and the prescription's PDF page ("pdf") are on screen, and at the end of
// the tour, the reply and settings windows closed ("windows").
func measureDemo(ctx context.Context, b testing.TB, exe string, env []string) map[string]procMem {
	b.Helper()
	cmd, stdin, sc, stderr := startTour(ctx, b, exe, env, "-demo", "-demo-tour")
	defer cmd.Wait()
	defer cmd.Process.Kill()
	steps := map[string]procMem{}
	for sc.Scan() {
		l := sc.Text()
		if l == "END" {
			break
		}
		rest, ok := strings.CutPrefix(l, "SCREEN ")
		if !ok {
			continue
		}
		name := map[string]string{"messagerie": "inbox", "ordonnance": "pdf", "verrouillage": "windows"}[strings.Fields(rest)[0]]
		if name != "" {
			m, err := readProcMem(cmd.Process.Pid)
			if err != nil {
				b.Fatalf("read memory: %v", err)
			}
			steps[name] = m
		}
		io.WriteString(stdin, "next\n")
	}
	stdin.Close()
	if len(steps) != 3 {
		b.Fatalf("the demo did not finish its tour (steps %v)\nstderr:\n%s", steps, stderr.String())
	}
	return steps
}

// startTour starts exe with args for a scripted tour: the tour prints its steps on stdout
// and waits for a line on stdin after each; stderr is kept for failure messages.
func startTour(ctx context.Context, b testing.TB, exe string, env []string, args ...string) (*exec.Cmd, io.WriteCloser, *bufio.Scanner, *strings.Builder) {
	b.Helper()
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = env
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	stderr := new(strings.Builder)
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		b.Fatalf("start comptoir %s: %v", strings.Join(args, " "), err)
	}
	return cmd, stdin, bufio.NewScanner(stdout), stderr
}

// procMem is one reading of /proc/PID/status, in MB, with the largest resident mappings
// of /proc/PID/smaps (to tell Mesa, the Go heap and malloc apart).
type procMem struct {
	RSS, Anon, File float64
	GoHeap, GoHeld  float64 // as the client's runtime reports them
	Top             string
}

func report(b testing.TB, scenario string, steps map[string]procMem) {
	for name, m := range steps {
		p := scenario + "-" + name
		if scenario == "50k" {
			p = scenario
		}
		if bb, ok := b.(*testing.B); ok {
			bb.ReportMetric(m.RSS, p+"-RSS-MB")
			bb.ReportMetric(m.Anon, p+"-anon-MB")
			bb.ReportMetric(m.File, p+"-file-MB")
			if m.GoHeap > 0 {
				bb.ReportMetric(m.GoHeap, p+"-goheap-MB")
			}
		}
		heap := ""
		if m.GoHeld > 0 {
			heap = fmt.Sprintf("; Go heap in use %.0f, held %.0f", m.GoHeap, m.GoHeld)
		}
		b.Logf("%s: VmRSS %.0f MB (RssAnon %.0f, RssFile %.0f%s); largest mappings (MB): %s", p, m.RSS, m.Anon, m.File, heap, m.Top)
	}
}

// readProcMem reads the memory of pid. (The PDF page is drawn by a child process, whose
// memory is its own, not the client's.)
func readProcMem(pid int) (procMem, error) {
	m, err := readStatus(pid)
	if err != nil {
		return m, err
	}
	m.Top = topMappings(pid, 8)
	return m, nil
}

// topMappings sums the resident size of /proc/PID/smaps by file, with anonymous memory
// split into malloc's [heap] and
// other anonymous mappings (the Go heap, Mesa's buffers, thread stacks, cgo allocations).
func topMappings(pid, n int) string {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		return ""
	}
	sums := map[string]float64{}
	name := ""
	for _, l := range strings.Split(string(raw), "\n") {
		f := strings.Fields(l)
		switch {
		case len(f) >= 5 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":"):
			name = "anon"
			if len(f) >= 6 {
				name = filepath.Base(f[5])
			}
		case len(f) >= 2 && f[0] == "Rss:":
			kb, _ := strconv.ParseFloat(f[1], 64)
			sums[name] += kb / 1024
		}
	}
	names := make([]string, 0, len(sums))
	for k := range sums {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool { return sums[names[i]] > sums[names[j]] })
	var out []string
	for _, k := range names[:min(n, len(names))] {
		out = append(out, fmt.Sprintf("%s %.0f", k, sums[k]))
	}
	return strings.Join(out, ", ")
}

func readStatus(pid int) (procMem, error) {
	var m procMem
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return m, err
	}
	for _, l := range strings.Split(string(raw), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmRSS:":
			m.RSS = kb / 1024
		case "RssAnon:":
			m.Anon = kb / 1024
		case "RssFile:":
			m.File = kb / 1024
		}
	}
	return m, nil
}

// measureClient runs the client with -measure-tour and the script, and reads its memory at
// each step.
func measureClient(ctx context.Context, b testing.TB, exe string, env, script []string) map[string]procMem {
	b.Helper()
	cmd, stdin, sc, stderr := startTour(ctx, b, exe, env, "-measure-tour")
	defer cmd.Wait()
	defer cmd.Process.Kill()
	io.WriteString(stdin, strings.Join(script, "\n")+"\n") // the PIN goes through stdin
	steps := map[string]procMem{}
	for sc.Scan() {
		l := sc.Text()
		if l == "END" {
			break
		}
		rest, ok := strings.CutPrefix(l, "STEP ")
		if !ok {
			continue
		}
		m, err := readProcMem(cmd.Process.Pid)
		if err != nil {
			b.Fatalf("read memory: %v", err)
		}
		var name string
		fmt.Sscanf(rest, "%s %f %f", &name, &m.GoHeap, &m.GoHeld)
		steps[name] = m
		io.WriteString(stdin, "next\n")
	}
	stdin.Close()
	if len(steps) == 0 || !strings.HasPrefix(sc.Text(), "END") {
		cmd.Process.Kill()
		cmd.Wait()
		b.Fatalf("the client did not finish its tour (steps %v)\nstderr:\n%s", steps, stderr.String())
	}
	if err := cmd.Wait(); err != nil {
		b.Fatalf("comptoir: %v\nstderr:\n%s", err, stderr.String())
	}
	return steps
}

// sandboxEndpoints are what mss-sandbox serve prints.
type sandboxEndpoints struct{ Domain, IMAP, SMTP, API, Anchor string }

// startSandboxProcess runs mss-sandbox serve --seed on the PKI of the test cards (DATA/pki).
func startSandboxProcess(ctx context.Context, b testing.TB, exe string) sandboxEndpoints {
	b.Helper()
	pki, _ := testCards(b)
	data := b.TempDir()
	if err := os.Symlink(pki.Dir(), filepath.Join(data, "pki")); err != nil {
		b.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, exe, "serve", "--data", data, "--seed", "--validation-delay", "1s")
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		b.Fatalf("start mss-sandbox: %v", err)
	}
	b.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	})
	var e sandboxEndpoints
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		l := sc.Text()
		f := strings.Fields(l)
		switch {
		case strings.HasPrefix(l, "MSSanté sandbox operator "):
			e.Domain = f[len(f)-1]
		case strings.HasPrefix(l, "  IMAP (STARTTLS)"):
			e.IMAP = f[len(f)-1]
		case strings.HasPrefix(l, "  SMTP (STARTTLS)"):
			e.SMTP = f[len(f)-1]
		case strings.HasPrefix(l, "  Provisioning API"):
			e.API = f[len(f)-1]
		case strings.HasPrefix(l, "  Trust anchor"):
			e.Anchor = f[len(f)-1]
		}
		if strings.HasPrefix(l, "Client certificates") {
			go io.Copy(io.Discard, out)
			return e
		}
	}
	b.Fatalf("mss-sandbox did not start:\n%s", stderr.String())
	return e
}

// startXvfb starts a private X server and returns its display (":N").
func startXvfb(ctx context.Context, b testing.TB) string {
	b.Helper()
	xvfb, err := exec.LookPath("Xvfb")
	if err != nil {
		b.Fatal("Xvfb not found: apt-get install xvfb")
	}
	r, w, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, xvfb, "-displayfd", "3", "-screen", "0", "1400x900x24", "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		b.Fatalf("start Xvfb: %v", err)
	}
	w.Close()
	b.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	n, err := bufio.NewReader(r).ReadString('\n')
	r.Close()
	if err != nil {
		b.Fatalf("Xvfb display: %v", err)
	}
	return ":" + strings.TrimSpace(n)
}

// buildDemoClient builds the application as shipped (cgo, GLFW driver, no -race) with the
// demo tag into a private home, and returns the home and the binary.
func buildDemoClient(ctx context.Context, t testing.TB) (home, bin string) {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal("the go command is not in PATH")
	}
	home = t.TempDir()
	bin = filepath.Join(home, "comptoir")
	if out, err := exec.CommandContext(ctx, goTool, "build", "-tags", "demo", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return home, bin
}

// clientEnv is the client's environment: a private home and the test cards' SoftHSM2.
func clientEnv(b testing.TB, home, display string) []string {
	b.Helper()
	cache := filepath.Join(home, "cache")
	shared := pdftest.CacheDir() // PDFium's compiled module
	for _, d := range []string{shared, filepath.Join(cache, "comptoir")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			b.Fatal(err)
		}
	}
	if err := os.Symlink(shared, filepath.Join(cache, "comptoir", "pdfium")); err != nil {
		b.Fatal(err)
	}
	return append(os.Environ(), "DISPLAY="+display, "HOME="+home, "XDG_CACHE_HOME="+cache,
		"XDG_DATA_HOME="+filepath.Join(home, "data"), "XDG_CONFIG_HOME="+filepath.Join(home, "config"))
}

// writeClientConfig writes config.json as an administrator would.
func writeClientConfig(b testing.TB, home string, e sandboxEndpoints, module string) {
	b.Helper()
	cfg := config.Config{Module: module, Operator: config.Operator{Domain: e.Domain, IMAP: e.IMAP, Submission: e.SMTP,
		TrustStore: []string{e.Anchor}, API: e.API}}
	if err := (config.Files{User: filepath.Join(home, "config", "comptoir", "config.json")}).Save(cfg); err != nil {
		b.Fatal(err)
	}
}

// fillClientCache writes n envelopes into the titulaire's INBOX in the client's cache (the
// file the client opens, keyed with the real SoftHSM card), as a long-lived mailbox holds.
func fillClientCache(ctx context.Context, b testing.TB, home string, cards *cpstest.Cards, seed sandbox.SeedAddresses, n int) {
	b.Helper()
	m, err := cards.Open()
	if err != nil {
		b.Fatal(err)
	}
	slot, err := cards.Slot(ctx, m, cpstest.Titulaire.Label)
	if err != nil {
		b.Fatal(err)
	}
	card, err := m.Login(ctx, slot, []byte(cpstest.Titulaire.PIN))
	if err != nil {
		b.Fatal(err)
	}
	defer card.Close()
	b.Setenv("XDG_DATA_HOME", filepath.Join(home, "data"))
	path, err := store.PathFor(card.Identity().NationalID)
	if err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(path, card.TLSCertificate().PrivateKey.(crypto.Signer), store.Options{})
	if err != nil {
		b.Fatalf("open the client's cache: %v", err)
	}
	defer st.Close()
	bal := seed.Titulaire
	if err := st.ResetFolder(bal, "INBOX", 1); err != nil {
		b.Fatal(err)
	}
	if err := st.PutFolder(store.Folder{BAL: bal, Name: "INBOX", UIDValidity: 1, UIDNext: uint32(n + 1)}); err != nil {
		b.Fatal(err)
	}
	subjects := []string{"Ordonnance", "Renouvellement", "Question sur la posologie", "Compte rendu de consultation"}
	start := time.Now().Add(-time.Duration(n) * 10 * time.Minute)
	batch := make([]store.Message, 0, 2000)
	for i := 1; i <= n; i++ {
		e := store.Envelope{Ref: store.Ref{BAL: bal, Folder: "INBOX", UID: uint32(i)},
			MessageID: fmt.Sprintf("rss-%d@sandbox.mssante.test", i), Date: start.Add(time.Duration(i) * 10 * time.Minute),
			Subject: subjects[i%len(subjects)] + " n°" + strconv.Itoa(i), Size: 4000, Flags: []string{`\Seen`},
			From: store.Address{Name: "Dr Antoine FAUVEL", Email: seed.Doctor},
			Text: "Bonjour, merci de préparer le traitement habituel. Cordialement."}
		if i%5 == 0 {
			e.Attachments = []store.Attachment{{Name: "ordonnance.pdf", ContentType: "application/pdf", Size: 80_000}}
		}
		batch = append(batch, store.Message{Envelope: e})
		if len(batch) == cap(batch) || i == n {
			if err := st.PutMessages(batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
}
