package app

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"comptoir/mail/trustlist"
)

// TrustListKeeper is a Session that keeps the workstation's trust-space list (the MSSanté
// « liste blanche » recipients are checked against): Paramètres shows its date and age and
// refreshes it.
type TrustListKeeper interface {
	// TrustListInfo describes the stored list; an error wrapping fs.ErrNotExist when there
	// is none yet.
	TrustListInfo() (TrustListInfo, error)
	// RefreshTrustList downloads, verifies and stores the list, which checks the next
	// messages' recipients at once. On error the previous list stays; trustlist.UserMessage
	// says why in French.
	RefreshTrustList(ctx context.Context) (TrustListInfo, error)
}

// TrustListInfo describes a trust-space list.
type TrustListInfo struct {
	Generated time.Time // its DateDeGeneration
	Age       time.Duration
	Domains   int  // domains in the list in use (0: none loaded)
	Signed    bool // XML-DSig verified; false: accepted by the checksum the ANS publishes
	Stale     bool // older than 30 days
}

// trustListRefreshTimeout bounds a download of the list (about 4 MB).
const trustListRefreshTimeout = 2 * time.Minute

// trustListRow is the settings' « Liste blanche » line: the stored list's date, age and
// how it was verified, and « Mettre à jour la liste ». It needs an open session: the
// download is checked against the session's trust store, and the session uses it at once.
func (u *UI) trustListRow(s *SettingsScreen) fyne.CanvasObject {
	t := u.tr.T
	s.TrustList = widget.NewLabel("")
	s.TrustList.Wrapping = fyne.TextWrapWord
	s.TrustListUpdate = widget.NewButton(t("settings.trustlist.update"), func() { u.refreshTrustList(s) })
	keeper, ok := s.s.(TrustListKeeper)
	switch {
	case !ok:
		s.TrustList.SetText(t("settings.trustlist.nosession"))
		s.TrustListUpdate.Disable()
	default:
		info, err := keeper.TrustListInfo()
		s.TrustList.SetText(u.trustListText(info, err))
	}
	title := widget.NewLabelWithStyle(t("settings.trustlist"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	return container.NewBorder(nil, nil, title, s.TrustListUpdate, s.TrustList)
}

// trustListText says what list the workstation holds.
func (u *UI) trustListText(info TrustListInfo, err error) string {
	t := u.tr.T
	if errors.Is(err, fs.ErrNotExist) {
		return t("settings.trustlist.none")
	}
	if err != nil {
		u.log.Warn("trust-space list info", "err", err)
		return t("settings.trustlist.unreadable")
	}
	age := t("settings.trustlist.today")
	if days := int64(info.Age.Hours() / 24); days > 0 {
		age = u.tr.N("settings.trustlist.days", days)
	}
	how := t("settings.trustlist.signed")
	if !info.Signed {
		how = t("settings.trustlist.unsigned")
	}
	lines := []string{t("settings.trustlist.info", u.date(info.Generated), age, how)}
	if info.Domains > 0 {
		lines[0] += " " + u.tr.N("settings.trustlist.domains", int64(info.Domains))
	}
	if info.Stale {
		lines = append(lines, t("settings.trustlist.stale"))
	}
	return strings.Join(lines, "\n")
}

// refreshTrustList downloads the list off the UI goroutine; the window says how it went.
func (u *UI) refreshTrustList(s *SettingsScreen) {
	t := u.tr.T
	keeper, ok := s.s.(TrustListKeeper)
	if !ok || u.refused(s.s, s.TrustList.SetText) {
		return
	}
	u.touch()
	s.TrustListUpdate.Disable()
	s.TrustList.SetText(t("settings.trustlist.running"))
	ctx := u.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	go func() {
		ctx, cancel := context.WithTimeout(ctx, trustListRefreshTimeout)
		info, err := keeper.RefreshTrustList(ctx)
		cancel()
		u.deps.Do(func() {
			s.TrustListUpdate.Enable()
			if err != nil {
				u.log.Warn("trust-space list refresh", "err", err)
				why := trustlist.UserMessage(err)
				if why == "" || u.tr.lang != "fr" {
					why = t("settings.trustlist.failed")
				}
				stored, serr := keeper.TrustListInfo()
				s.TrustList.SetText(why + "\n" + u.trustListText(stored, serr))
				return
			}
			s.TrustList.SetText(t("settings.trustlist.done") + "\n" + u.trustListText(info, nil))
		})
	}()
}
