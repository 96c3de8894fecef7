package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Under Debian's default LANG=C.UTF-8, the command line prints nothing but its answer:
// today's main printed Fyne's "Error parsing user locale C" on every call. The release
// binary is built and run, since the message came from package initialisation.
func TestNoLocaleErrorUnderCUTF8(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal("the go tool is not on PATH: install Go (https://go.dev/dl)")
	}
	bin := filepath.Join(t.TempDir(), "comptoir")
	if out, err := exec.CommandContext(ctx, goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, lang := range []string{"C.UTF-8", "C", "POSIX", "fr_FR.UTF-8"} {
		cmd := exec.CommandContext(ctx, bin, "version")
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "LANG=" + lang}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil || !strings.HasPrefix(string(out), "Comptoir ") || stderr.Len() != 0 {
			t.Errorf("LANG=%s: %v, stdout %q, stderr %q", lang, err, out, stderr.String())
		}
	}
}
