package mail

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
)

// startPerf attaches `perf record -g` to this process, writing out, and returns once perf
// is sampling (its control FIFO acknowledged "enable"); stop ends the recording.
func startPerf(dir, out string) (stop func() error, err error) {
	ctl, ack := filepath.Join(dir, "perf.ctl"), filepath.Join(dir, "perf.ack")
	for _, f := range []string{ctl, ack} {
		if err := syscall.Mkfifo(f, 0o600); err != nil {
			return nil, fmt.Errorf("perf: mkfifo %s: %w", f, err)
		}
	}
	cmd := exec.Command("perf", "record", "-g", "-D", "-1", "--control", "fifo:"+ctl+","+ack,
		"-o", out, "-p", strconv.Itoa(os.Getpid()))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("perf record: %w (apt-get install linux-perf)", err)
	}
	// Opening a FIFO blocks until perf opens the other end.
	w, err := os.OpenFile(ctl, os.O_WRONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("perf: control FIFO: %w", err)
	}
	defer w.Close()
	r, err := os.Open(ack)
	if err != nil {
		return nil, fmt.Errorf("perf: ack FIFO: %w", err)
	}
	defer r.Close()
	if _, err := w.WriteString("enable\n"); err != nil {
		return nil, fmt.Errorf("perf: enable: %w", err)
	}
	if line, err := bufio.NewReader(r).ReadString('\n'); err != nil || line != "ack\n" {
		return nil, fmt.Errorf("perf: enable not acknowledged (%q, %v)", line, err)
	}
	return func() error {
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			return fmt.Errorf("perf: stop: %w", err)
		}
		var exit *exec.ExitError
		if err := cmd.Wait(); err != nil && !errors.As(err, &exit) {
			return fmt.Errorf("perf record: %w", err)
		}
		return nil
	}, nil
}
