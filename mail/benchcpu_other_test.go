//go:build !unix

package mail

import "time"

// processCPU is not measured here (the benchmark runs on Linux).
func processCPU() time.Duration { return 0 }
