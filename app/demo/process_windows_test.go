package demo_test

import (
	"testing"
	"time"

	"golang.org/x/sys/windows"
)

// waitProcessGone waits until pid no longer runs.
func waitProcessGone(t *testing.T, pid int) {
	t.Helper()
	h, err := windows.OpenProcess(windows.SYNCHRONIZE, false, uint32(pid))
	if err != nil {
		return // gone already
	}
	defer windows.CloseHandle(h)
	if ev, _ := windows.WaitForSingleObject(h, uint32((5 * time.Second).Milliseconds())); ev == uint32(windows.WAIT_TIMEOUT) {
		t.Fatalf("the renderer process %d still runs after another message was selected", pid)
	}
}
