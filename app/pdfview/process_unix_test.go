//go:build unix

package pdfview

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// processExists reports whether pid is a live (or unreaped) process.
func processExists(pid int) bool { return syscall.Kill(pid, 0) == nil }

// The child's own limit: past its address-space budget the Go runtime dies.
func TestHostilePDFChildMemoryLimit(t *testing.T) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "PDFVIEW_CHILD=limit")
	out, err := cmd.CombinedOutput()
	if err == nil || strings.Contains(string(out), "allocated") {
		t.Fatalf("3 GiB allocated under a 64 MiB budget: %v\n%s", err, out)
	}
	// "out of memory"; under -race, the race runtime's shadow memory hits the limit first.
	if !strings.Contains(string(out), "fatal error: out of memory") &&
		!strings.Contains(string(out), "fatal error: too many address space collisions") {
		t.Fatalf("the child did not die of its memory limit: %v\n%s", err, out)
	}
}
