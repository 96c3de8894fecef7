package app

import (
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// StatusBar shows the connection, the sync progress, the outbox and the last sync at the
// bottom of the main window, and « Hors ligne » as a banner above the mail.
type StatusBar struct {
	Content  fyne.CanvasObject
	Online   *widget.Label
	Progress *widget.ProgressBar
	Outbox   *widget.Label
	LastSync *widget.Label
	Notice   *widget.Label // the last action's outcome (« Message envoyé »), cleared after a while
	// Banner says « Hors ligne » above the mail while a BAL's connection is down (OfflineText).
	Banner      *fyne.Container
	OfflineText *widget.Label

	u        *UI
	offline  map[string]bool // BALs whose connection is down
	seen     bool            // a BAL reported its state
	noticeAt time.Time
	name     func(bal string) string // a BAL's short name (the switcher's)
	bannerBg *canvas.Rectangle
}

// noticeTTL is how long an action's outcome stays in the status bar.
const noticeTTL = 20 * time.Second

func newStatusBar(u *UI) *StatusBar {
	t := u.tr.T
	s := &StatusBar{u: u,
		Online:      widget.NewLabel(t("status.connecting")),
		Progress:    widget.NewProgressBar(),
		Outbox:      widget.NewLabel(t("status.outbox", 0)),
		LastSync:    widget.NewLabel(t("status.lastsync.never")),
		Notice:      widget.NewLabel(""),
		OfflineText: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		bannerBg:    canvas.NewRectangle(color.Transparent),
		name:        func(bal string) string { return bal },
	}
	s.Progress.Hide()
	s.Notice.Truncation = fyne.TextTruncateEllipsis
	s.OfflineText.Importance = widget.WarningImportance
	s.OfflineText.Wrapping = fyne.TextWrapWord
	s.Banner = container.NewStack(s.bannerBg, container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()), nil, s.OfflineText))
	s.Banner.Hide()
	s.Content = container.NewBorder(nil, nil,
		container.NewHBox(s.Online, container.NewGridWrap(fyne.NewSize(160, 30), s.Progress)),
		container.NewHBox(s.Outbox, s.LastSync), s.Notice)
	return s
}

// setOnline records one BAL's connection state; while any BAL the session synchronises is
// down, the banner says « Hors ligne », naming it when the others are up.
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
	t := s.u.tr.T
	switch len(s.offline) {
	case 0:
		s.Online.SetText(t("status.online"))
		s.Online.Importance = widget.SuccessImportance
	case 1:
		for bal := range s.offline {
			s.Online.SetText(t("status.offline.bal", s.name(bal)))
			s.OfflineText.SetText(t("status.banner.bal", s.name(bal)))
		}
		s.Online.Importance = widget.WarningImportance
	default:
		s.Online.SetText(t("status.offline"))
		s.OfflineText.SetText(t("status.banner"))
		s.Online.Importance = widget.WarningImportance
	}
	s.Online.Refresh()
	if len(s.offline) > 0 {
		w := theme.Color(theme.ColorNameWarning)
		r, g, b, _ := w.RGBA()
		s.bannerBg.FillColor = color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0x30}
		s.bannerBg.Refresh()
	}
	show(s.Banner, len(s.offline) > 0)
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
	s.LastSync.SetText(s.u.tr.T("status.lastsync", now.Format("15:04")))
}

func (s *StatusBar) setOutbox(n int) { s.Outbox.SetText(s.u.tr.T("status.outbox", n)) }

func (s *StatusBar) notice(text string) {
	s.Notice.SetText(text)
	s.noticeAt = s.u.deps.Now()
}

// expire clears a notice older than noticeTTL (called by the UI's ticker).
func (s *StatusBar) expire(now time.Time) {
	if s.Notice.Text != "" && now.Sub(s.noticeAt) >= noticeTTL {
		s.Notice.SetText("")
	}
}
