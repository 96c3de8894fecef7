//go:build unix

package demo_test

import "syscall"

// processRuns reports whether the system still has pid (running, or not reaped).
func processRuns(pid int) bool { return syscall.Kill(pid, 0) == nil }
