//go:build unix

package pdfview

import (
	"fmt"
	"os"
	"os/signal"
	"time"

	"golang.org/x/sys/unix"
)

// limitSelf caps this process's address space at its current size plus mem, and its CPU
// time at what it has used plus cpu. The hard limits are lowered too: a compromised
// renderer cannot raise them again.
func limitSelf(mem int64, cpu time.Duration) error {
	as := uint64(mem)
	if base := addressSpace(); base > 0 {
		as += base
	} else {
		as = unixASCeiling
	}
	if err := setLimit(unix.RLIMIT_AS, as); err != nil {
		return fmt.Errorf("address space: %w", err)
	}
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return fmt.Errorf("cpu time used: %w", err)
	}
	used := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	if err := setLimit(unix.RLIMIT_CPU, uint64((used+cpu)/time.Second)+1); err != nil {
		return fmt.Errorf("cpu time: %w", err)
	}
	// SIGXCPU comes at the soft limit; Go ignores it unless asked to deliver it.
	xcpu := make(chan os.Signal, 1)
	signal.Notify(xcpu, unix.SIGXCPU)
	go func() {
		<-xcpu
		os.Exit(3)
	}()
	return nil
}

// setLimit sets both the soft and hard limit of res to v, or to the current hard limit when
// that is lower (only root may raise it).
func setLimit(res int, v uint64) error {
	var cur unix.Rlimit
	if err := unix.Getrlimit(res, &cur); err != nil {
		return err
	}
	if cur.Max != unix.RLIM_INFINITY && cur.Max < v {
		v = cur.Max
	}
	return unix.Setrlimit(res, &unix.Rlimit{Cur: v, Max: v})
}
