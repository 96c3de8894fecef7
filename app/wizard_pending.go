package app

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
)

// Polling bounds for a pending BAL: the operator says when validation should complete
// (ActiveAt); the first check waits until then, later ones back off up to maxPendingPoll.
const (
	minPendingPoll = 250 * time.Millisecond
	maxPendingPoll = 5 * time.Minute
)

// watchPending polls the operator in the background until the BAL b is active, then tells
// the user (a system notification and the status bar) and adds it to the BAL switcher. It
// stops when s is no longer the open session (lock, card pulled) or the UI stops.
func (u *UI) watchPending(s Session, b BALStatus) {
	prov, err := u.deps.Provisioning.Open(s)
	if err != nil {
		u.log.Warn("watch pending BAL", "err", err)
		return
	}
	ctx := u.ctx
	go func() {
		defer prov.Close()
		wait := time.Until(b.ActiveAt)
		for {
			wait = min(max(wait, minPendingPoll), maxPendingPoll)
			timer := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				timer.Stop()
				return
			case <-timer.C:
			}
			if !u.stillOpen(ctx, s) {
				return
			}
			cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			list, err := prov.BALs(cctx)
			cancel()
			if err != nil {
				if ctx.Err() == nil {
					u.log.Warn("poll pending BAL", "err", err)
				}
				wait *= 2
				continue
			}
			for _, x := range list {
				if x.Address != b.Address || x.Status != StatusActive {
					continue
				}
				u.deps.Do(func() {
					if u.session != s || u.locked {
						return
					}
					// On the UI goroutine, where the session's BAL list is read.
					if err := prov.AddBAL(x.BAL); err != nil {
						u.log.Warn("add active BAL", "err", err)
					}
					u.balActivated(s, x.BAL)
				})
				return
			}
			wait *= 2
		}
	}()
}

// stillOpen asks the UI goroutine whether s is still the open, unlocked session.
func (u *UI) stillOpen(ctx context.Context, s Session) bool {
	ok := make(chan bool, 1)
	u.deps.Do(func() { ok <- u.session == s && !u.locked })
	select {
	case v := <-ok:
		return v
	case <-ctx.Done():
		return false
	}
}

// balActivated tells the user and shows the new BAL in the switcher (UI goroutine).
func (u *UI) balActivated(s Session, b BAL) {
	t := u.tr.T
	text := t("wizard.active.text", b.Address)
	u.app.SendNotification(fyne.NewNotification(t("wizard.active.title"), text))
	if u.Main != nil && u.Main.s == s {
		u.Main.addBAL(b)
		u.Main.Status.notice(text)
	} else {
		u.Card.showHolder(s)
		u.Card.OpenButton.Enable()
	}
	u.Window.SetMainMenu(u.mainMenu())
}

// addBAL shows a BAL that became active in the switcher.
func (m *MainScreen) addBAL(b BAL) {
	if m.hasBAL(b.Address) {
		return
	}
	m.bals = append(m.bals, b)
	m.buildBALBar()
}

// watchPendingOf resumes, after a login or an unlock, the watch of the BALs the holder asked
// for and that still wait for their validation.
func (u *UI) watchPendingOf(s Session) {
	if u.deps.Provisioning == nil || u.ctx == nil {
		return
	}
	ctx := u.ctx
	go func() {
		prov, err := u.deps.Provisioning.Open(s)
		if err != nil {
			return
		}
		defer prov.Close()
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		list, err := prov.BALs(cctx)
		cancel()
		if err != nil {
			if ctx.Err() == nil { // not merely the UI stopping
				u.log.Warn("list pending BALs", "err", err)
			}
			return
		}
		for _, b := range list {
			if b.Status == StatusPending {
				u.deps.Do(func() {
					if u.session == s && !u.locked {
						u.watchPending(s, b)
					}
				})
			}
		}
	}()
}
