package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"comptoir/app/config"
)

// SettingsScreen edits the configuration; "Tester la connexion" runs the doctor checks.
// What decides where the card's key signs and which servers it trusts (the servers, the
// card module, the trust store) and the lock delay can only be changed in an open session,
// never from the lock screen, and not at all when the machine configuration fixes them.
type SettingsScreen struct {
	Window                              fyne.Window
	IMAP, SMTP, Domain, Module, Trust   *widget.Entry
	Language, AutoLock, Theme, TextSize *widget.Select
	Test, Save                          *widget.Button
	Results                             *widget.Label
	// ReadOnly says why some fields cannot be changed (hidden when all can).
	ReadOnly *widget.Label
	// TrustList says which trust-space list the workstation holds; TrustListUpdate
	// downloads it again (settings_trustlist.go).
	TrustList       *widget.Label
	TrustListUpdate *widget.Button

	s Session // the open session when the window opened (nil: none)
}

var autoLockChoices = []time.Duration{time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute}

// ShowSettings opens the settings window.
func (u *UI) ShowSettings() *SettingsScreen {
	u.touch()
	t := u.tr.T
	s := &SettingsScreen{Window: u.app.NewWindow(t("settings.title"))}
	if u.live(u.session) {
		s.s = u.session
	}
	entry := func(v, ph string) *widget.Entry {
		e := widget.NewEntry()
		e.SetText(v)
		e.SetPlaceHolder(ph)
		return e
	}
	s.IMAP = entry(u.cfg.Operator.IMAP, t("settings.srv"))
	s.SMTP = entry(u.cfg.Operator.Submission, t("settings.srv"))
	s.Domain = entry(u.cfg.Operator.Domain, "exemple.mssante.fr")
	s.Module = entry(u.cfg.Module, t("settings.module.auto"))
	s.Trust = entry(strings.Join(u.cfg.Operator.TrustStore, "; "), "/etc/opt/santesocial/CPS/Coffre")
	s.Language = widget.NewSelect([]string{"Français", "English"}, nil)
	s.Language.SetSelectedIndex(0)
	if u.cfg.Language == "en" {
		s.Language.SetSelectedIndex(1)
	}
	var lockOpts []string
	for _, d := range autoLockChoices {
		lockOpts = append(lockOpts, t("settings.minutes", int(d.Minutes())))
	}
	s.AutoLock = widget.NewSelect(lockOpts, nil)
	s.AutoLock.SetSelectedIndex(2)
	for i, d := range autoLockChoices {
		if d == u.cfg.AutoLock {
			s.AutoLock.SetSelectedIndex(i)
		}
	}
	s.Theme = widget.NewSelect([]string{t("settings.theme.system"), t("settings.theme.light"), t("settings.theme.dark")}, nil)
	s.Theme.SetSelectedIndex(choiceIndex(themeChoices, u.cfg.Theme))
	s.TextSize = widget.NewSelect([]string{t("settings.text.system"), t("settings.text.large"), t("settings.text.larger")}, nil)
	s.TextSize.SetSelectedIndex(choiceIndex(textChoices, u.cfg.TextSize))
	s.Results = widget.NewLabel("")
	s.Results.Wrapping = fyne.TextWrapWord
	s.Test = widget.NewButton(t("settings.test"), func() { u.runDoctor(s) })
	if u.deps.Doctor == nil {
		s.Test.Hide()
	}
	s.Save = widget.NewButton(t("settings.save"), func() {
		if s.s != nil && u.refused(s.s, s.Results.SetText) {
			return // opened in a session that has ended: the window belongs to it
		}
		if err := u.saveSettings(s); err != nil {
			u.log.Warn("save settings", "err", err)
			s.Results.SetText(t("settings.save.failed"))
			return
		}
		s.Window.Close()
	})
	s.Save.Importance = widget.HighImportance
	s.ReadOnly = widget.NewLabel("")
	s.ReadOnly.Wrapping = fyne.TextWrapWord
	s.ReadOnly.Importance = widget.WarningImportance
	u.protectSettings(s)
	form := widget.NewForm(
		widget.NewFormItem(t("settings.imap"), s.IMAP),
		widget.NewFormItem(t("settings.smtp"), s.SMTP),
		widget.NewFormItem(t("settings.domain"), s.Domain),
		widget.NewFormItem(t("settings.module"), s.Module),
		widget.NewFormItem(t("settings.trust"), s.Trust),
		widget.NewFormItem(t("settings.language"), s.Language),
		widget.NewFormItem(t("settings.autolock"), s.AutoLock),
		widget.NewFormItem(t("settings.theme"), s.Theme),
		widget.NewFormItem(t("settings.text"), s.TextSize))
	templates := widget.NewButton(t("templates.title"), func() { u.ShowTemplates() })
	if u.patientBook() == nil {
		templates.Disable() // the templates live in the card holder's encrypted cache
	}
	update := widget.NewButton(t("annuaire.update.title"), func() { u.ShowAnnuaireUpdate() })
	if u.annuaireDir() == nil {
		update.Hide()
	}
	// The diagnostic's results scroll: the window keeps its size on a 1024×768 screen.
	s.Window.SetContent(container.NewBorder(container.NewVBox(s.ReadOnly, form, u.trustListRow(s),
		container.NewHBox(s.Test, s.Save, templates, update)),
		nil, nil, nil, container.NewVScroll(s.Results)))
	u.sizeWindow(s.Window, fyne.NewSize(620, 520))
	u.track(s.Window, nil)
	s.Window.Show()
	return s
}

func (s *SettingsScreen) config(base config.Config) config.Config {
	c := base
	c.Operator.IMAP = strings.TrimSpace(s.IMAP.Text)
	c.Operator.Submission = strings.TrimSpace(s.SMTP.Text)
	c.Operator.Domain = strings.TrimSpace(s.Domain.Text)
	c.Module = strings.TrimSpace(s.Module.Text)
	c.Operator.TrustStore = nil
	for _, p := range strings.Split(s.Trust.Text, ";") {
		if p = strings.TrimSpace(p); p != "" {
			c.Operator.TrustStore = append(c.Operator.TrustStore, p)
		}
	}
	c.Language = "fr"
	if s.Language.SelectedIndex() == 1 {
		c.Language = "en"
	}
	if i := s.AutoLock.SelectedIndex(); i >= 0 {
		c.AutoLock = autoLockChoices[i]
	}
	if i := s.Theme.SelectedIndex(); i >= 0 {
		c.Theme = themeChoices[i]
	}
	if i := s.TextSize.SelectedIndex(); i >= 0 {
		c.TextSize = textChoices[i]
	}
	return c
}

// choiceIndex is v's index in choices (0, the system's, when unknown).
func choiceIndex(choices []string, v string) int {
	for i, c := range choices {
		if c == v {
			return i
		}
	}
	return 0
}

func (u *UI) saveSettings(s *SettingsScreen) error {
	c := u.keepProtected(s, s.config(u.cfg))
	if err := u.deps.Settings.Save(c); err != nil {
		return fmt.Errorf("app: save settings: %w", err)
	}
	langChanged := c.Language != u.cfg.Language && !(c.Language == "fr" && u.cfg.Language == "")
	u.cfg = c
	u.applyTheme()
	if langChanged {
		u.notice(newTranslator(c.Language).T("settings.language.restart"))
	}
	return nil
}

// runDoctor runs the diagnostic on the SAVED configuration (a module path typed in the form
// is never loaded before it is saved) and the open session, if any.
func (u *UI) runDoctor(s *SettingsScreen) {
	t := u.tr.T
	sess := u.session
	s.Test.Disable()
	s.Results.SetText(t("settings.test.running"))
	ctx := u.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	go func() {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		checks := u.deps.Doctor.Check(ctx, u.deps.Settings, sess)
		cancel()
		u.deps.Do(func() {
			s.Test.Enable()
			var b strings.Builder
			for _, ch := range checks {
				mark := "✔"
				switch {
				case ch.Warning:
					mark = "⚠"
				case !ch.OK:
					mark = "✘"
				}
				fmt.Fprintf(&b, "%s %s — %s\n", mark, ch.Name, ch.Detail)
				if ch.Fix != "" && !ch.OK {
					fmt.Fprintf(&b, "   → %s\n", ch.Fix)
				}
			}
			s.Results.SetText(strings.TrimSpace(b.String()))
		})
	}()
}
