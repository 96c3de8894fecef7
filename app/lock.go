package app

import (
	"errors"

	"fyne.io/fyne/v2"
)

// ErrLocked: the session an action was meant for is locked or closed, so the action is
// refused (the bridge reports the session core's and the cache's "closed" errors so).
var ErrLocked = errors.New("app: session locked")

// live reports whether s is the open session, the one a screen may still act for. A screen
// keeps the session it was opened with: after a lock, even once unlocked, that one is over.
func (u *UI) live(s Session) bool { return s != nil && s == u.session && !u.locked }

// refused tells, through show, why an action for s is not taken when s is no longer the
// open session, and reports it; the action then does nothing.
func (u *UI) refused(s Session, show func(string)) bool {
	if u.live(s) {
		return false
	}
	show(u.tr.T("lock.refused"))
	return true
}

// lockedError is the French text for err when it says the session is closed, else "".
func (u *UI) lockedError(err error) string {
	if errors.Is(err, ErrLocked) {
		return u.tr.T("lock.refused")
	}
	return ""
}

// track has w closed when the UI locks (every window but the main one: what they show or
// do belongs to the session) and forgets it when the user closes it; onClosed (may be nil)
// runs when it closes either way.
func (u *UI) track(w fyne.Window, onClosed func()) {
	u.windows = append(u.windows, w)
	w.SetOnClosed(func() {
		for i, x := range u.windows {
			if x == w {
				u.windows = append(u.windows[:i], u.windows[i+1:]...)
				break
			}
		}
		if onClosed != nil {
			onClosed()
		}
	})
}

// closeAll closes the tracked windows, the composers and the main window's dialogs.
func (u *UI) closeAll() {
	composers := u.composers
	u.composers = nil // before Close: each composer's OnClosed edits the list
	for _, c := range composers {
		c.Window.Close()
	}
	windows := u.windows
	u.windows = nil // before Close: each window's OnClosed edits the list
	for _, w := range windows {
		w.Close()
	}
	overlays := u.Window.Canvas().Overlays()
	list := overlays.List()
	for i := len(list) - 1; i >= 0; i-- {
		overlays.Remove(list[i])
	}
}
