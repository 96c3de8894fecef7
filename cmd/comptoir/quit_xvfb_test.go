package main

import (
	"context"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestQuitsOnSIGTERMUnderXvfb: the session's end (a counter PC shutting down) sends SIGTERM.
// Fyne quits its loop on it; the application then leaves cleanly, exit status 0, instead of
// calling into the driver once it had stopped (a panic, "The GLFW library is not
// initialized", exit status 2).
func TestQuitsOnSIGTERMUnderXvfb(t *testing.T) {
	xdotool, err := exec.LookPath("xdotool")
	if err != nil {
		t.Fatal("xdotool not found: apt-get install xdotool")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	home, bin := buildDemoClient(ctx, t)
	display := startXvfb(ctx, t)
	env := clientEnv(t, home, display)
	cmd := exec.CommandContext(ctx, bin, "-demo")
	cmd.Env = append(env, "SOFTHSM2_CONF=")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The window is up once X knows it (--sync waits for it; the test's deadline bounds it).
	find := exec.CommandContext(ctx, xdotool, "search", "--sync", "--onlyvisible", "--name", "Comptoir")
	find.Env = env
	if out, err := find.CombinedOutput(); err != nil {
		cmd.Process.Kill()
		t.Fatalf("the window did not show: %v %s\nstderr:\n%s", err, out, stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil { // "signal: terminated", "exit status 2"
		t.Fatalf("after SIGTERM: %v\nstderr:\n%s", err, stderr.String())
	}
	for _, bad := range []string{"panic", "Error in Fyne call thread"} {
		if strings.Contains(stderr.String(), bad) {
			t.Fatalf("after SIGTERM the log says %q:\n%s", bad, stderr.String())
		}
	}
}
