//go:build demo

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"

	"comptoir/app"
	"comptoir/app/demo"
	"comptoir/cmd/mss-sandbox/sandbox"
)

// runTour walks the demo through the main screens for scripts/screenshots.sh and the Xvfb
// test: at each screen it prints "SCREEN <name> <window title>" and waits for a line on
// stdin (the screenshot taken; "end" stops the tour there). It drives the widgets as a user
// would, on the UI goroutine.
// The demo PIN is typed by the program itself: it never travels in argv or the environment.
func runTour(ctx context.Context, u *app.UI, d *app.Demo, env *cliEnv) error {
	in := bufio.NewScanner(env.stdin)
	do := func(f func()) { fyne.DoAndWait(f) }
	wait := func(what string, cond func() bool) error { return waitUI(ctx, "tour", what, cond) }
	shot := func(name string, w fyne.Window) error {
		// Let the driver paint the last change before the screenshot.
		time.Sleep(700 * time.Millisecond)
		var title string
		do(func() { title = w.Title() })
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fmt.Fprintf(env.stdout, "MEM %s %.0f MB (Go heap %d MB)\n", name, residentMB(), ms.HeapInuse>>20)
		fmt.Fprintf(env.stdout, "SCREEN %s %s\n", name, title)
		if !in.Scan() {
			return errors.New("tour: stdin closed")
		}
		if strings.TrimSpace(in.Text()) == "end" {
			return errTourEnd
		}
		return nil
	}
	err := tour(ctx, u, d, do, wait, shot)
	if errors.Is(err, errTourEnd) {
		err = nil
	}
	if err != nil {
		return err
	}
	if rss := residentMB(); rss > 0 {
		fmt.Fprintf(env.stdout, "RSS %.0f MB\n", rss)
	}
	fmt.Fprintln(env.stdout, "END")
	return nil
}

// errTourEnd: the screenshot script asked to stop the tour.
var errTourEnd = errors.New("tour: end asked")

// tour is runTour's walk through the screens.
func tour(ctx context.Context, u *app.UI, d *app.Demo, do func(func()), wait func(string, func() bool) error,
	shot func(string, fyne.Window) error) error {
	pharmacy := sandbox.Seed(sandbox.DefaultDomain).Pharmacy

	if err := wait("the demo card", func() bool { return !u.Card.LoginButton.Disabled() }); err != nil {
		return err
	}
	if err := shot("carte", u.Window); err != nil {
		return err
	}
	do(func() {
		u.Card.PIN.SetText(demo.PIN)
		u.Card.LoginButton.OnTapped()
	})
	// One practice situation: the mailbox opens at once.
	if err := wait("the main window", func() bool { return u.Main != nil }); err != nil {
		return err
	}
	do(func() {
		if b := u.Main.BALButton(pharmacy); b != nil {
			b.OnTapped()
		}
	})
	row := func(subject string) func() bool {
		return func() bool {
			for i := 0; i < u.Main.Rows(); i++ {
				if _, s := u.Main.RowText(i); strings.Contains(s, subject) {
					u.Main.List.Select(i)
					return true
				}
			}
			return false
		}
	}
	if err := wait("the pharmacy's mail", func() bool { return u.Main.Rows() >= 4 }); err != nil {
		return err
	}
	if err := shot("messagerie", u.Window); err != nil {
		return err
	}
	if err := wait("the prescription", row("Ordonnance pour ce soir")); err != nil {
		return err
	}
	if err := wait("the PDF page", func() bool { return strings.HasPrefix(u.Main.Reader.Preview.Page.Text, "Page 1") }); err != nil {
		return err
	}
	do(u.Main.Reader.ScrollToPreview) // as « Aperçu » does: the page below the attachments
	if err := shot("ordonnance", u.Window); err != nil {
		return err
	}
	if err := wait("the XDM report", row("Compte rendu")); err != nil {
		return err
	}
	if err := wait("the XDM documents", func() bool { return len(u.Main.Reader.Documents) > 0 }); err != nil {
		return err
	}
	if err := shot("documents", u.Window); err != nil {
		return err
	}
	if err := wait("the stock question", row("Médicament en stock")); err != nil {
		return err
	}
	do(func() { u.Main.ReplyButton.OnTapped() })
	if err := wait("the composer", func() bool { return len(u.Composers()) == 1 }); err != nil {
		return err
	}
	var c *app.Composer
	do(func() {
		c = u.Composers()[0]
		c.Body.SetText("Bonjour,\n\nOui, nous l'avons en stock : elle vous attend au comptoir.\n\nLa pharmacie des Tilleuls\n\n" + c.Body.Text)
		c.NoReply.SetChecked(true)
	})
	if err := shot("redaction", c.Window); err != nil {
		return err
	}
	do(func() { c.Window.Close() })
	var s *app.SettingsScreen
	do(func() { s = u.ShowSettings() })
	do(func() { s.Test.OnTapped() })
	if err := wait("the checks", func() bool { return strings.Contains(s.Results.Text, "✔") }); err != nil {
		return err
	}
	if err := shot("parametres", s.Window); err != nil {
		return err
	}
	do(func() { s.Window.Close() })
	if d != nil {
		d.PullCard()
		if err := wait("the lock screen", u.Locked); err != nil {
			return err
		}
		if err := shot("verrouillage", u.Window); err != nil {
			return err
		}
		d.InsertCard()
	}
	return nil
}

// residentMB is the process's resident memory (Linux; 0 elsewhere).
func residentMB() float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// waitUI polls cond on the UI goroutine until it holds, ctx ends or five minutes pass (a cold
// PDFium compile is slow). The tours drive a real window, which has no event to wait on.
func waitUI(ctx context.Context, tour, what string, cond func() bool) error {
	deadline := time.Now().Add(5 * time.Minute)
	for {
		var ok bool
		fyne.DoAndWait(func() { ok = cond() })
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: timed out waiting for %s", tour, what)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}
