//go:build !linux

package mail

import "errors"

func startPerf(dir, out string) (func() error, error) {
	return nil, errors.New("MAIL_BENCH_PERF: perf record runs on Linux only")
}
