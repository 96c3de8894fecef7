//go:build linux

package main

import (
	"bufio"
	"context"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"comptoir/cps/cpstest"
	"comptoir/cps/cpstest/slowcard"
)

// launchTarget is the bound, from process start to the cached inbox on screen.
const launchTarget = time.Second

// networkWait is the shortest wait on the network the launch could hide: the provisioning
// API's timeout (10 s). A launch under it with the operator black-holed waited on nothing.
const networkWait = 10 * time.Second

// TestLaunchDoesNotWaitOnTheNetworkUnderXvfb: with the operator black-holed (its packets
// dropped: connections neither open nor are refused), the real client still shows its
// cached inbox, and well before any network timeout could have elapsed: nothing on the path
// waits on the network (today's main waited up to 10 s on the provisioning API at login). The 1 s target itself is
// measured by BenchmarkLaunchToInboxUnderXvfb (make bench): a wall-clock figure cannot be a
// pass/fail bound on a shared, loaded machine.
func TestLaunchDoesNotWaitOnTheNetworkUnderXvfb(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	l := startLauncher(ctx, t)
	hole := blackHole(t)
	dead := l.w.ops
	dead.IMAP, dead.SMTP, dead.API = hole, hole, "https://"+hole
	writeClientConfig(t, l.w.home, dead, l.slow)
	runs := []time.Duration{l.launch(), l.launch(), l.launch()}
	best := slices.Min(runs)
	t.Logf("operator black-holed, card signing in 0.3 s: launch to interactive inbox %v (runs %v)", best, runs)
	if best >= networkWait-2*time.Second {
		t.Errorf("with the operator black-holed the cached inbox showed after %v at best (runs %v): the launch waits on the network", best, runs)
	}
}

// BenchmarkLaunchToInboxUnderXvfb measures « launch to interactive inbox » for the real
// client: from the process's start to the first message rows drawn in its real window under
// Xvfb, the PIN typed on the card screen. The card signs in 0.3 s, as a real card does (a
// PKCS#11 module wrapping SoftHSM; the cache key costs one signature). Two cases: the
// operator (the sandbox in its own process) reachable, and unreachable through a black hole.
// Target: under 1 s in both. Reported: the best and median of 5 launches of each.
func BenchmarkLaunchToInboxUnderXvfb(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	l := startLauncher(ctx, b)
	hole := blackHole(b)
	dead := l.w.ops
	dead.IMAP, dead.SMTP, dead.API = hole, hole, "https://"+hole
	for b.Loop() {
		for _, c := range []struct {
			name string
			ops  sandboxEndpoints
		}{{"online", l.w.ops}, {"blackhole", dead}} {
			writeClientConfig(b, l.w.home, c.ops, l.slow)
			var runs []time.Duration
			for range 5 {
				runs = append(runs, l.launch())
			}
			slices.Sort(runs)
			b.ReportMetric(float64(runs[0].Milliseconds()), c.name+"-best-ms")
			b.ReportMetric(float64(runs[len(runs)/2].Milliseconds()), c.name+"-median-ms")
			b.Logf("%s: launch to interactive inbox, best %v, median %v (target < %v); runs %v", c.name, runs[0], runs[len(runs)/2], launchTarget, runs)
		}
	}
}

// launcher starts the real client with -launch-tour on a slow card, its cache filled.
type launcher struct {
	w      clientWorld
	slow   string // the card module signing in 0.3 s
	launch func() time.Duration
}

func startLauncher(ctx context.Context, t testing.TB) *launcher {
	t.Helper()
	w := startClientWorld(ctx, t)
	slow, err := slowcard.Build(t.TempDir(), w.cards.ModulePath(), 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	l := &launcher{w: w, slow: slow}
	l.launch = func() time.Duration {
		t.Helper()
		cmd := exec.CommandContext(ctx, filepath.Join(w.bin, "comptoir"), "-launch-tour")
		cmd.Env = w.env
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		start := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		io.WriteString(stdin, cpstest.Titulaire.Label+"\n"+cpstest.Titulaire.PIN+"\n") // never argv
		stdin.Close()
		took := time.Duration(0)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == "ROWS" && took == 0 {
				took = time.Since(start)
			}
		}
		if err := cmd.Wait(); err != nil || took == 0 {
			t.Fatalf("comptoir -launch-tour: %v (rows after %v)\nstderr:\n%s", err, took, stderr.String())
		}
		if strings.Contains(stderr.String(), "Error in Fyne call thread") {
			t.Fatalf("Fyne thread errors:\n%s", stderr.String())
		}
		return took
	}
	// The first launch fills the cache from the sandbox; the second warms the file cache.
	writeClientConfig(t, w.home, w.ops, slow)
	t.Logf("first launch (mail synchronised): %v", l.launch())
	t.Logf("warm launch: %v", l.launch())
	return l
}
