package apptest

import (
	"runtime"
	"time"
)

// run runs one queued UI job, timing it: a job that takes long is a frozen window.
func (h *Harness) run(f func()) {
	h.Time(f)
}

// Time runs f, a UI job or something the test does on the UI goroutine (a tap, a
// selection), and records how long it held the UI goroutine: wall-clock time, and on Linux
// the CPU time of the thread it ran on (what the work itself took, without waiting for a
// core on a loaded machine).
func (h *Harness) Time(f func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	c0, start := threadCPU(), time.Now()
	f()
	d, c := time.Since(start), threadCPU()-c0
	h.longest = max(h.longest, d)
	h.longestCPU = max(h.longestCPU, c)
}

// TakeLongest returns the longest time one job held the UI goroutine since the last call,
// wall-clock and CPU time (0 outside Linux), and starts a new measurement.
func (h *Harness) TakeLongest() (wall, cpu time.Duration) {
	wall, cpu = h.longest, h.longestCPU
	h.longest, h.longestCPU = 0, 0
	return wall, cpu
}
