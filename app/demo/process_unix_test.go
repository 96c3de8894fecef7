//go:build unix

package demo_test

import (
	"syscall"
	"testing"
	"time"
)

// waitProcessGone waits until pid no longer exists (killed and reaped).
func waitProcessGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("the renderer process %d still runs after another message was selected", pid)
		}
		time.Sleep(10 * time.Millisecond) // polling, bounded by the deadline
	}
}
