//go:build !unix

package mail

import "time"

// processCPU is not measured here (the benchmark runs on Linux).
func processCPU() time.Duration { return 0 }

// processFaults is not measured here.
func processFaults() int64 { return 0 }
