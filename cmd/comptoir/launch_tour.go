//go:build demo

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"

	"comptoir/app"
)

// runLaunchTour is the launch measurement of launch_xvfb_test.go: it logs in as a user
// would (the PIN typed into the card screen), opens the mail, and prints "ROWS" as soon as
// the message list has bound its first row for drawing; the process then ends and the test
// times it from the process's start. With -demo the demo card and PIN are used; otherwise
// stdin gives the card's label, then its PIN (never argv or the environment).
func runLaunchTour(ctx context.Context, u *app.UI, d *app.Demo, env *cliEnv) error {
	label, pin := "", ""
	if d != nil {
		pin = d.PIN
	} else {
		in := bufio.NewScanner(env.stdin)
		for _, v := range []*string{&label, &pin} {
			if !in.Scan() {
				return errors.New("launch tour: the card's label and PIN are expected on stdin")
			}
			*v = strings.TrimSpace(in.Text())
		}
	}
	wait := func(what string, cond func() bool) error { return waitUI(ctx, "launch tour", what, cond) }
	if err := wait("the card", func() bool {
		if label != "" {
			for i, o := range u.Card.Readers.Options {
				if strings.HasSuffix(o, label) && u.Card.Readers.SelectedIndex() != i {
					u.Card.Readers.SetSelectedIndex(i)
				}
			}
		}
		return !u.Card.LoginButton.Disabled()
	}); err != nil {
		return err
	}
	fyne.DoAndWait(func() {
		u.Card.PIN.SetText(pin)
		u.Card.LoginButton.OnTapped()
	})
	if err := wait("the mail", func() bool {
		if u.Main != nil {
			return true
		}
		if u.Card.OpenButton.Visible() && !u.Card.OpenButton.Disabled() && u.Card.Holder.Text != "" {
			u.Card.OpenButton.OnTapped()
		}
		return false
	}); err != nil {
		return err
	}
	if err := wait("the first rows", func() bool { return u.Main.RowsDrawn() > 0 }); err != nil {
		return err
	}
	fmt.Fprintln(env.stdout, "ROWS")
	return nil
}
