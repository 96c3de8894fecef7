package printing

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// CUPS prints through the CUPS commands. Empty paths are looked up on PATH. Their output is
// read in the C locale (the parsing does not depend on the user's language).
type CUPS struct {
	LP, LPStat string
}

func (c CUPS) command(ctx context.Context, name, configured string, args ...string) (*exec.Cmd, error) {
	path := configured
	if path == "" {
		var err error
		if path, err = exec.LookPath(name); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNoPrintSystem, err)
		}
	} else if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoPrintSystem, err)
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "LANG=C")
	return cmd, nil
}

// run runs a CUPS command, its diagnostic turned into our errors.
func (c CUPS) run(ctx context.Context, name, configured string, args ...string) (string, error) {
	cmd, err := c.command(ctx, name, configured, args...)
	if err != nil {
		return "", err
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errOut.String())
		low := strings.ToLower(msg)
		switch {
		case errors.Is(err, exec.ErrNotFound):
			return "", fmt.Errorf("%w: %w", ErrNoPrintSystem, err)
		case strings.Contains(low, "scheduler is not running"), strings.Contains(low, "unable to connect"):
			return "", fmt.Errorf("%w: %s: %s", ErrNotRunning, name, msg)
		case strings.Contains(low, "no destinations added"), strings.Contains(low, "does not exist"),
			strings.Contains(low, "no default destination"), strings.Contains(low, "invalid destination"):
			return out.String(), fmt.Errorf("%w: %s: %s", ErrNoPrinter, name, msg)
		}
		return "", fmt.Errorf("printing: %s: %w: %s", name, err, msg)
	}
	return out.String(), nil
}

// Printers lists the printers accepting jobs (lpstat -a) and marks the default one
// (lpstat -d), which comes first. No printer: ErrNoPrinter.
func (c CUPS) Printers(ctx context.Context) ([]Printer, error) {
	accepting, err := c.run(ctx, "lpstat", c.LPStat, "-a")
	if err != nil && !errors.Is(err, ErrNoPrinter) {
		return nil, err
	}
	var list []Printer
	sc := bufio.NewScanner(strings.NewReader(accepting))
	for sc.Scan() {
		// "Accueil accepting requests since Thu 03 Dec 2026 10:00:00 AM CET"
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[1] == "accepting" {
			list = append(list, Printer{Name: f[0]})
		}
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("%w: lpstat lists no printer accepting jobs", ErrNoPrinter)
	}
	def, _ := c.run(ctx, "lpstat", c.LPStat, "-d")
	// "system default destination: Accueil", or "no system default destination"
	if _, name, ok := strings.Cut(strings.TrimSpace(def), "system default destination:"); ok {
		name = strings.TrimSpace(name)
		for i := range list {
			if list[i].Name == name {
				list[i].Default = true
				list[0], list[i] = list[i], list[0]
			}
		}
	}
	return list, nil
}

// Print submits path with lp (-d printer when given) and reads the job id from its answer
// ("request id is Accueil-12 (1 file(s))").
func (c CUPS) Print(ctx context.Context, path, printer, title string) (Job, error) {
	args := []string{}
	if printer != "" {
		args = append(args, "-d", printer)
	}
	if title != "" {
		args = append(args, "-t", title)
	}
	args = append(args, "--", path)
	out, err := c.run(ctx, "lp", c.LP, args...)
	if err != nil {
		return Job{}, err
	}
	job := Job{Printer: printer}
	if _, rest, ok := strings.Cut(out, "request id is "); ok {
		if f := strings.Fields(rest); len(f) > 0 {
			job.ID = f[0]
			if job.Printer == "" {
				if i := strings.LastIndexByte(job.ID, '-'); i > 0 {
					job.Printer = job.ID[:i]
				}
			}
		}
	}
	return job, nil
}
