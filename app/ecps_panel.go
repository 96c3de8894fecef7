package app

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// ECPSPanel is the login screen's Pro Santé Connect side: the RPPS (remembered on the
// workstation), then the approval on the phone (e-CPS, CIBA) with a countdown and a cancel
// button, or PSC's page in the system browser.
type ECPSPanel struct {
	Content fyne.CanvasObject

	NationalID    *widget.Entry  // the RPPS (11 digits) or ADELI (9), or the full national id
	StartButton   *widget.Button // « Se connecter avec l'e-CPS »
	BrowserButton *widget.Button // PSC's page in the browser
	Waiting       *widget.Label  // « Validez la connexion sur votre téléphone »
	Countdown     *widget.Label  // time left before the request expires
	CancelButton  *widget.Button
	Error         *widget.Label

	u       *UI
	busy    bool
	attempt int // the current attempt; a result of an earlier (cancelled) one is dropped
	cancel  context.CancelFunc
	form    *fyne.Container
	wait    *fyne.Container
}

func newECPSPanel(u *UI) *ECPSPanel {
	p := &ECPSPanel{u: u}
	t := u.tr.T
	p.NationalID = widget.NewEntry()
	p.NationalID.SetPlaceHolder(t("ecps.rpps.placeholder"))
	p.NationalID.SetText(displayNationalID(u.cfg.PSCNationalID))
	p.NationalID.OnSubmitted = func(string) { p.startECPS() }
	p.StartButton = widget.NewButtonWithIcon(t("ecps.start"), theme.LoginIcon(), p.startECPS)
	p.StartButton.Importance = widget.HighImportance
	p.BrowserButton = widget.NewButtonWithIcon(t("ecps.browser"), theme.ComputerIcon(), p.startBrowser)
	p.Waiting = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	p.Waiting.Wrapping = fyne.TextWrapWord
	p.Countdown = widget.NewLabel("")
	p.Countdown.Alignment = fyne.TextAlignCenter
	p.CancelButton = widget.NewButtonWithIcon(t("cancel"), theme.CancelIcon(), p.Cancel)
	p.Error = widget.NewLabel("")
	p.Error.Wrapping = fyne.TextWrapWord
	p.Error.Importance = widget.DangerImportance
	p.Error.Hide()
	help := widget.NewLabel(t("ecps.help"))
	help.Wrapping = fyne.TextWrapWord
	p.form = container.NewVBox(widget.NewLabel(t("ecps.rpps")), p.NationalID, p.StartButton,
		widget.NewSeparator(), p.BrowserButton, help)
	p.wait = container.NewVBox(p.Waiting, p.Countdown, p.CancelButton)
	p.wait.Hide()
	p.Content = container.NewVBox(p.form, p.wait, p.Error)
	return p
}

// parseNationalID reads what the user typed: an RPPS number (11 digits) or ADELI (9), or the
// national id as the card gives it ("8"+RPPS, "0"+ADELI). Spaces are ignored.
func parseNationalID(s string) (string, bool) {
	s = strings.Join(strings.Fields(s), "")
	for _, r := range s {
		if r < '0' || r > '9' {
			return "", false
		}
	}
	switch {
	case len(s) == 11:
		return "8" + s, true
	case len(s) == 9:
		return "0" + s, true
	case len(s) == 12 && s[0] == '8', len(s) == 10 && s[0] == '0':
		return s, true
	}
	return "", false
}

// displayNationalID is the number as the user types it (the RPPS or ADELI without its type digit).
func displayNationalID(nid string) string {
	if _, ok := parseNationalID(nid); ok && (len(nid) == 12 || len(nid) == 10) {
		return nid[1:]
	}
	return ""
}

// begin switches to the waiting view for a new attempt and returns its context and number.
func (p *ECPSPanel) begin(waiting string) (context.Context, int) {
	p.busy = true
	p.attempt++
	ctx, cancel := context.WithCancel(p.u.ctx)
	p.cancel = cancel
	p.Error.Hide()
	p.form.Hide()
	p.Waiting.SetText(waiting)
	p.Countdown.SetText("")
	p.wait.Show()
	return ctx, p.attempt
}

// end leaves the waiting view.
func (p *ECPSPanel) end() {
	p.busy = false
	if p.cancel != nil {
		p.cancel()
		p.cancel = nil
	}
	p.wait.Hide()
	p.form.Show()
}

// Cancel stops waiting for the approval (the request is no longer polled; PSC lets it expire).
func (p *ECPSPanel) Cancel() {
	if p.abandon() {
		p.showError(p.u.tr.T("ecps.cancelled"))
	}
}

// abandon drops the attempt in progress, if any (a card login made meanwhile wins).
func (p *ECPSPanel) abandon() bool {
	if !p.busy {
		return false
	}
	p.attempt++ // whatever the abandoned attempt returns now is dropped
	p.end()
	return true
}

func (p *ECPSPanel) showError(msg string) {
	p.Error.SetText(msg)
	p.Error.Show()
}

func (p *ECPSPanel) startECPS() {
	t := p.u.tr.T
	if p.busy {
		return
	}
	if p.u.deps.PSC == nil {
		p.showError(p.message(ErrPSCNotConfigured))
		return
	}
	nid, ok := parseNationalID(p.NationalID.Text)
	if !ok {
		p.showError(t("ecps.rpps.format"))
		return
	}
	ctx, n := p.begin(t("ecps.sending"))
	psc := p.u.deps.PSC
	go func() {
		req, err := psc.StartECPS(ctx, nid)
		if err != nil {
			p.u.deps.Do(func() { p.done(n, nid, nil, err) })
			return
		}
		deadline := req.Deadline()
		p.u.deps.Do(func() {
			if n == p.attempt {
				p.Waiting.SetText(t("ecps.waiting"))
				p.tick(deadline)
			}
		})
		go p.countdown(ctx, n, deadline)
		s, err := req.Wait(ctx)
		p.u.deps.Do(func() { p.done(n, nid, s, err) })
	}()
}

// countdown refreshes the time left every second until the attempt ends.
func (p *ECPSPanel) countdown(ctx context.Context, n int, deadline time.Time) {
	tk := time.NewTicker(time.Second)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
			p.u.deps.Do(func() {
				if n == p.attempt && p.busy {
					p.tick(deadline)
				}
			})
		}
	}
}

func (p *ECPSPanel) tick(deadline time.Time) {
	left := max(deadline.Sub(p.u.deps.Now()).Round(time.Second), 0)
	p.Countdown.SetText(p.u.tr.T("ecps.countdown", fmt.Sprintf("%d:%02d", int(left.Minutes()), int(left.Seconds())%60)))
}

func (p *ECPSPanel) startBrowser() {
	t := p.u.tr.T
	if p.busy {
		return
	}
	if p.u.deps.PSC == nil {
		p.showError(p.message(ErrPSCNotConfigured))
		return
	}
	hint, _ := parseNationalID(p.NationalID.Text) // optional: prefills PSC's page
	ctx, n := p.begin(t("ecps.browser.waiting"))
	psc, do, openURL := p.u.deps.PSC, p.u.deps.Do, p.u.deps.OpenURL
	open := func(target *url.URL) error {
		// On the UI goroutine, as every use of the app's handlers.
		errc := make(chan error, 1)
		do(func() { errc <- openURL(target) })
		select {
		case err := <-errc:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	go func() {
		s, err := psc.LoginBrowser(ctx, hint, open)
		nid := hint
		if s != nil {
			nid = s.Holder().NationalID
		}
		do(func() { p.done(n, nid, s, err) })
	}()
}

// done ends attempt n with its session or its error.
func (p *ECPSPanel) done(n int, nid string, s Session, err error) {
	if n != p.attempt || (s != nil && p.u.session != nil) {
		// Cancelled meanwhile, or another login won: a session that opened anyway is
		// closed at once.
		if n == p.attempt {
			p.end()
		}
		if s != nil {
			if cerr := s.Close(); cerr != nil {
				p.u.log.Warn("close a cancelled e-CPS session", "err", cerr)
			}
		}
		return
	}
	p.end()
	if err != nil {
		p.u.log.Warn("e-CPS login refused", "err", err)
		p.showError(p.message(err))
		return
	}
	p.Error.Hide()
	if nid != "" && nid != p.u.cfg.PSCNationalID {
		p.u.cfg.PSCNationalID = nid
		if serr := p.u.deps.Settings.Save(p.u.cfg); serr != nil {
			p.u.log.Warn("remember the e-CPS national id", "err", serr)
		}
	}
	p.u.Card.loggedIn(s, true)
}

// message says in the UI language why a Pro Santé Connect login failed.
func (p *ECPSPanel) message(err error) string {
	t := p.u.tr.T
	switch {
	case errors.Is(err, context.Canceled):
		return t("ecps.cancelled")
	case errors.Is(err, ErrECPSDenied):
		return t("ecps.error.denied")
	case errors.Is(err, ErrECPSExpired):
		return t("ecps.error.expired")
	case errors.Is(err, ErrECPSUnknownUser):
		return t("ecps.error.unknown")
	case errors.Is(err, ErrNotEnrolled):
		return t("ecps.error.notenrolled")
	case errors.Is(err, ErrKeyringUnavailable):
		return t("ecps.error.keyring")
	case errors.Is(err, ErrPSCNotConfigured):
		return t("ecps.error.notconfigured")
	case errors.Is(err, ErrPSCUnavailable):
		return t("ecps.error.unavailable")
	}
	return t("ecps.error.failed", err)
}
