package apptest

import "time"

// run runs one queued UI job, timing it: a job that takes long is a frozen window.
func (h *Harness) run(f func()) {
	start := time.Now()
	f()
	if d := time.Since(start); d > h.longest {
		h.longest = d
	}
}

// TakeLongest returns the longest queued UI job (a Deps.Do function) run since the last
// call, and starts a new measurement. With the time of a call the test makes on the UI
// goroutine itself (a tap, a selection), it bounds how long the window was frozen.
func (h *Harness) TakeLongest() time.Duration {
	d := h.longest
	h.longest = 0
	return d
}
