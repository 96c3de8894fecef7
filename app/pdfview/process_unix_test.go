//go:build unix

package pdfview

import "syscall"

// processExists reports whether pid is a live (or unreaped) process.
func processExists(pid int) bool { return syscall.Kill(pid, 0) == nil }
