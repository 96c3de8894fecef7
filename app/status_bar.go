package app

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// StatusBar shows the connection, the sync progress, the outbox and the last sync.
type StatusBar struct {
	Content  fyne.CanvasObject
	Online   *widget.Label
	Progress *widget.ProgressBar
	Outbox   *widget.Label
	LastSync *widget.Label
	Notice   *widget.Label // the last action's outcome ("Message envoyé")

	u       *UI
	offline map[string]bool // BALs whose connection is down
	seen    bool            // a BAL reported its state
}

func newStatusBar(u *UI) *StatusBar {
	t := u.tr.T
	s := &StatusBar{u: u,
		Online:   widget.NewLabel(t("status.connecting")),
		Progress: widget.NewProgressBar(),
		Outbox:   widget.NewLabel(t("status.outbox", 0)),
		LastSync: widget.NewLabel(t("status.lastsync.never")),
		Notice:   widget.NewLabel(""),
	}
	s.Progress.Hide()
	s.Content = container.NewHBox(s.Online, container.NewGridWrap(fyne.NewSize(160, 30), s.Progress),
		s.Outbox, s.LastSync, s.Notice)
	return s
}

// setOnline records one BAL's connection state; the bar says « Hors ligne » while any BAL
// the session synchronises is down, naming it when the others are up.
func (s *StatusBar) setOnline(bal string, on bool) {
	if s.offline == nil {
		s.offline = map[string]bool{}
	}
	s.seen = true
	if on {
		delete(s.offline, bal)
	} else {
		s.offline[bal] = true
	}
	s.show()
}

// forget drops a BAL the session no longer synchronises.
func (s *StatusBar) forget(bal string) {
	delete(s.offline, bal)
	s.show()
}

func (s *StatusBar) show() {
	if !s.seen {
		return
	}
	switch len(s.offline) {
	case 0:
		s.Online.SetText(s.u.tr.T("status.online"))
		s.Online.Importance = widget.SuccessImportance
	case 1:
		for bal := range s.offline {
			s.Online.SetText(s.u.tr.T("status.offline.bal", bal))
		}
		s.Online.Importance = widget.WarningImportance
	default:
		s.Online.SetText(s.u.tr.T("status.offline"))
		s.Online.Importance = widget.WarningImportance
	}
	s.Online.Refresh()
}

func (s *StatusBar) setProgress(done, total int, now time.Time) {
	if total <= 0 || done >= total {
		s.Progress.Hide()
		s.synced(now)
		return
	}
	s.Progress.Max = float64(total)
	s.Progress.SetValue(float64(done))
	s.Progress.Show()
}

func (s *StatusBar) synced(now time.Time) {
	s.LastSync.SetText(s.u.tr.T("status.lastsync", now.Format("15:04:05")))
}

func (s *StatusBar) setOutbox(n int) { s.Outbox.SetText(s.u.tr.T("status.outbox", n)) }

func (s *StatusBar) notice(text string) { s.Notice.SetText(text) }
