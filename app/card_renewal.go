package app

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
)

// RenewedCardError is a login whose card cannot open its holder's cache: it was sealed by
// another card of the same holder, most likely the card before its renewal. Cards.Login
// returns it with the card still logged in, so that the holder does not type the PIN again:
// StartAfresh sets the old cache aside (aside: its new name; it is kept, the old card still
// opens it) and opens the session on a fresh cache filled from the operator; Cancel logs the
// card out. Exactly one of them is called.
type RenewedCardError struct {
	Holder      string // the card holder's name
	StartAfresh func(ctx context.Context) (s Session, aside string, err error)
	Cancel      func()
	Err         error
}

func (e *RenewedCardError) Error() string {
	return "app: the card cannot open its holder's cache: " + e.Err.Error()
}

func (e *RenewedCardError) Unwrap() error { return e.Err }

// RenewalPrompt is the card screen's dialog for a renewed card: what happened, what setting
// the old cache aside costs, and the choice.
type RenewalPrompt struct {
	Dialog           dialog.Dialog
	Text             *widget.Label
	SetAside, Cancel *widget.Button
}

// offerFreshStart shows the RenewalPrompt for rc (UI goroutine).
func (c *CardScreen) offerFreshStart(rc *RenewedCardError) {
	t := c.u.tr.T
	p := &RenewalPrompt{Text: widget.NewLabel(t("card.renewed.text", rc.Holder))}
	p.Text.Wrapping = fyne.TextWrapWord
	decided := false
	p.SetAside = widget.NewButton(t("card.renewed.setaside"), func() {
		if decided {
			return
		}
		decided = true
		p.SetAside.Disable()
		p.Cancel.Disable()
		c.busy = true
		c.Status.SetText(t("card.renewed.busy"))
		ctx := c.u.ctx
		go func() {
			s, aside, err := rc.StartAfresh(ctx)
			c.u.deps.Do(func() {
				p.Dialog.Hide()
				c.Renewal = nil
				c.busy = false
				c.refreshStatus()
				if err != nil {
					c.u.log.Warn("start afresh", "err", err)
					c.showError(t("card.renewed.failed"))
					return
				}
				c.Error.Hide()
				c.loggedIn(s, false)
				c.u.info(t("card.renewed.title"), t("card.renewed.done", aside))
			})
		}()
	})
	p.SetAside.Importance = widget.HighImportance
	p.Cancel = widget.NewButton(t("cancel"), func() {
		if decided {
			return
		}
		decided = true
		rc.Cancel()
		p.Dialog.Hide()
		c.Renewal = nil
		c.showError(t("card.renewed.cancelled"))
	})
	body := container.NewBorder(nil, container.NewHBox(layout.NewSpacer(), p.Cancel, p.SetAside), nil, nil,
		container.NewVScroll(p.Text))
	p.Dialog = dialog.NewCustomWithoutButtons(t("card.renewed.title"), body, c.u.Window)
	p.Dialog.Resize(fyne.NewSize(620, 460))
	c.Renewal = p
	p.Dialog.Show()
}

// renewed reports whether err is a renewed card's, and offers the fresh start if so.
func (c *CardScreen) renewed(err error) bool {
	var rc *RenewedCardError
	if !errors.As(err, &rc) || rc.StartAfresh == nil {
		return false
	}
	c.offerFreshStart(rc)
	return true
}
