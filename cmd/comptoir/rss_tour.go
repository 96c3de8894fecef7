//go:build demo

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"

	"comptoir/app"
)

// runMeasureTour drives the real client (not -demo) for the memory benchmark of
// rss_xvfb_test.go: another process reads /proc/PID/status at each step. The script comes
// on stdin, one value a line — the card's label, its PIN (never argv or the environment),
// the BAL address to open, the number of rows to wait for, and the subject of a message
// with a PDF to open ("" for none; else a reply window and the settings window are then
// opened and closed) — then one line per step to go on. At each step it
// prints "STEP <name> <Go heap in use, MB> <Go heap held from the OS, MB>" and waits for
// that line.
func runMeasureTour(ctx context.Context, u *app.UI, env *cliEnv) error {
	in := bufio.NewScanner(env.stdin)
	line := func() (string, error) {
		if !in.Scan() {
			return "", errors.New("measure tour: stdin closed")
		}
		return strings.TrimSpace(in.Text()), nil
	}
	var script [5]string
	for i := range script {
		var err error
		if script[i], err = line(); err != nil {
			return err
		}
	}
	label, pin, bal, subject := script[0], script[1], script[2], script[4]
	rows, err := strconv.Atoi(script[3])
	if err != nil {
		return fmt.Errorf("measure tour: rows %q: %w", script[3], err)
	}
	do := func(f func()) { fyne.DoAndWait(f) }
	wait := func(what string, cond func() bool) error { return waitUI(ctx, "measure tour", what, cond) }
	step := func(name string) error {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fmt.Fprintf(env.stdout, "STEP %s %d %d\n", name, ms.HeapInuse>>20, (ms.HeapSys-ms.HeapReleased)>>20)
		_, err := line()
		return err
	}

	if err := wait("the card "+label, func() bool {
		for i, o := range u.Card.Readers.Options {
			if strings.HasSuffix(o, label) {
				if u.Card.Readers.SelectedIndex() != i {
					u.Card.Readers.SetSelectedIndex(i)
				}
				return !u.Card.LoginButton.Disabled()
			}
		}
		return false
	}); err != nil {
		return err
	}
	do(func() {
		u.Card.PIN.SetText(pin)
		u.Card.LoginButton.OnTapped()
	})
	if err := wait("the BAL "+bal, func() bool {
		if u.Main == nil {
			if u.Card.OpenButton.Visible() && !u.Card.OpenButton.Disabled() {
				u.Card.OpenButton.OnTapped() // the holder screen, when there is a choice to make
			}
			return false
		}
		if b := u.Main.BALButton(bal); b != nil {
			b.OnTapped()
			return true
		}
		return false
	}); err != nil {
		return err
	}
	if err := wait(fmt.Sprintf("%d rows", rows), func() bool { return u.Main.Rows() >= rows }); err != nil {
		return err
	}
	time.Sleep(time.Second) // let the driver paint the inbox before the reading
	if err := step("inbox"); err != nil {
		return err
	}
	if subject != "" {
		if err := wait("the message "+subject, func() bool {
			for i := 0; i < u.Main.Rows(); i++ {
				if _, s := u.Main.RowText(i); strings.Contains(s, subject) {
					u.Main.List.Select(i)
					return true
				}
			}
			return false
		}); err != nil {
			return err
		}
		if err := wait("the PDF page", func() bool { return strings.HasPrefix(u.Main.Reader.Preview.Page.Text, "Page 1") }); err != nil {
			return err
		}
		time.Sleep(time.Second)
		if err := step("pdf"); err != nil {
			return err
		}
		// A reply window and the settings window, opened and closed: each window has its
		// own GL context, whose memory the driver may keep.
		do(func() { u.Main.ReplyButton.OnTapped() })
		if err := wait("the composer", func() bool { return len(u.Composers()) == 1 }); err != nil {
			return err
		}
		time.Sleep(time.Second)
		do(func() { u.Composers()[0].Window.Close() })
		if err := wait("the composer closed", func() bool { return len(u.Composers()) == 0 }); err != nil {
			return err
		}
		var s *app.SettingsScreen
		do(func() { s = u.ShowSettings() })
		time.Sleep(time.Second)
		do(func() { s.Window.Close() })
		time.Sleep(trimEvery + time.Second) // the memory as it stays, once trimCHeapLoop ran
		if err := step("windows"); err != nil {
			return err
		}
	}
	fmt.Fprintln(env.stdout, "END")
	return nil
}
