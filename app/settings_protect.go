package app

import "comptoir/app/config"

// sessionKeys need an open session to change: the servers, the card module and the trust
// store decide what the card signs for and which servers it trusts; the lock delay decides
// how long an unattended counter stays open.
var sessionKeys = []string{config.KeyIMAP, config.KeySubmission, config.KeyDomain, config.KeyModule,
	config.KeyTrustStore, config.KeyAutoLock}

// machineLocks reads which keys the workstation's configuration file locks.
func (u *UI) machineLocks() config.Layered {
	l, err := u.deps.Settings.LoadLayers()
	if err != nil {
		u.log.Warn("settings layers", "err", err)
	}
	return l
}

// editable reports whether the settings window may change key, the machine locking those
// that l locks.
func (u *UI) editable(s *SettingsScreen, l config.Layered, key string) bool {
	if l.IsLocked(key) {
		return false
	}
	for _, k := range sessionKeys {
		if k == key {
			return u.live(s.s)
		}
	}
	return true
}

type settingsField struct {
	key string
	w   interface{ Disable() }
}

func (s *SettingsScreen) fields() []settingsField {
	return []settingsField{{config.KeyIMAP, s.IMAP}, {config.KeySubmission, s.SMTP}, {config.KeyDomain, s.Domain},
		{config.KeyModule, s.Module}, {config.KeyTrustStore, s.Trust}, {config.KeyLanguage, s.Language},
		{config.KeyAutoLock, s.AutoLock}, {config.KeyTheme, s.Theme}, {config.KeyTextSize, s.TextSize}}
}

// protectSettings makes read-only the fields the window may not change, and says why.
func (u *UI) protectSettings(s *SettingsScreen) {
	t := u.tr.T
	needSession, byMachine := false, false
	l := u.machineLocks()
	for _, f := range s.fields() {
		if u.editable(s, l, f.key) {
			continue
		}
		f.w.Disable()
		if l.IsLocked(f.key) {
			byMachine = true
		} else {
			needSession = true
		}
	}
	var why []string
	if needSession {
		why = append(why, t("settings.readonly.session"))
	}
	if byMachine {
		why = append(why, t("settings.readonly.machine"))
	}
	if len(why) == 0 {
		s.ReadOnly.Hide()
		return
	}
	text := why[0]
	if len(why) > 1 {
		text += "\n" + why[1]
	}
	s.ReadOnly.SetText(text)
	s.ReadOnly.Show()
}

// keepProtected puts back, in the configuration built from the form, the saved value of
// every key the window may not change (a disabled field is not a guarantee: the value
// saved is).
func (u *UI) keepProtected(s *SettingsScreen, c config.Config) config.Config {
	old, l := u.cfg, u.machineLocks()
	keep := func(key string, apply func()) {
		if !u.editable(s, l, key) {
			apply()
		}
	}
	keep(config.KeyIMAP, func() { c.Operator.IMAP = old.Operator.IMAP })
	keep(config.KeySubmission, func() { c.Operator.Submission = old.Operator.Submission })
	keep(config.KeyDomain, func() { c.Operator.Domain = old.Operator.Domain })
	keep(config.KeyModule, func() { c.Module = old.Module })
	keep(config.KeyTrustStore, func() { c.Operator.TrustStore = old.Operator.TrustStore })
	keep(config.KeyLanguage, func() { c.Language = old.Language })
	keep(config.KeyAutoLock, func() { c.AutoLock = old.AutoLock })
	keep(config.KeyTheme, func() { c.Theme = old.Theme })
	keep(config.KeyTextSize, func() { c.TextSize = old.TextSize })
	return c
}
