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

	u *UI
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

func (s *StatusBar) setOnline(on bool) {
	if on {
		s.Online.SetText(s.u.tr.T("status.online"))
		s.Online.Importance = widget.SuccessImportance
	} else {
		s.Online.SetText(s.u.tr.T("status.offline"))
		s.Online.Importance = widget.WarningImportance
	}
	s.Online.Refresh()
}

func (s *StatusBar) setProgress(p Progress, now time.Time) {
	if p.Total <= 0 || p.Done >= p.Total {
		s.Progress.Hide()
		s.synced(now)
		return
	}
	s.Progress.Max = float64(p.Total)
	s.Progress.SetValue(float64(p.Done))
	s.Progress.Show()
}

func (s *StatusBar) synced(now time.Time) {
	s.LastSync.SetText(s.u.tr.T("status.lastsync", now.Format("15:04:05")))
}

func (s *StatusBar) setOutbox(n int) { s.Outbox.SetText(s.u.tr.T("status.outbox", n)) }

func (s *StatusBar) notice(text string) { s.Notice.SetText(text) }
