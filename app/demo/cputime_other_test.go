//go:build !unix

package demo_test

import "time"

// cpuTime is not measured where getrusage does not exist; benchmarks then report 0.
func cpuTime() time.Duration { return 0 }
