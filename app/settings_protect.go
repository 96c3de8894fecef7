package app

// Configuration keys, as config.json names them (and a machine configuration file fixes them).
const (
	KeyIMAP       = "operator.imap"
	KeySMTP       = "operator.submission"
	KeyDomain     = "operator.domain"
	KeyTrustStore = "operator.trust_store"
	KeyModule     = "pkcs11_module"
	KeyLanguage   = "language"
	KeyAutoLock   = "auto_lock"
)

// sessionKeys need an open session to change: the servers, the card module and the trust
// store decide what the card signs for and which servers it trusts; the lock delay decides
// how long an unattended counter stays open.
var sessionKeys = []string{KeyIMAP, KeySMTP, KeyDomain, KeyModule, KeyTrustStore, KeyAutoLock}

// MachineLocks is optionally implemented by a Settings backed by a layered configuration in
// which the administrator's machine file fixes some keys: the settings screen shows those
// read-only, session or not, and never saves another value for them.
type MachineLocks interface {
	MachineLocked(key string) bool
}

// machineLocked reports whether the machine configuration fixes key.
func (u *UI) machineLocked(key string) bool {
	l, ok := u.deps.Settings.(MachineLocks)
	return ok && l.MachineLocked(key)
}

// editable reports whether the settings window may change key.
func (u *UI) editable(s *SettingsScreen, key string) bool {
	if u.machineLocked(key) {
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
	return []settingsField{{KeyIMAP, s.IMAP}, {KeySMTP, s.SMTP}, {KeyDomain, s.Domain}, {KeyModule, s.Module},
		{KeyTrustStore, s.Trust}, {KeyLanguage, s.Language}, {KeyAutoLock, s.AutoLock}}
}

// protectSettings makes read-only the fields the window may not change, and says why.
func (u *UI) protectSettings(s *SettingsScreen) {
	t := u.tr.T
	needSession, byMachine := false, false
	for _, f := range s.fields() {
		if u.editable(s, f.key) {
			continue
		}
		f.w.Disable()
		if u.machineLocked(f.key) {
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
func (u *UI) keepProtected(s *SettingsScreen, c Config) Config {
	old := u.cfg
	keep := func(key string, apply func()) {
		if !u.editable(s, key) {
			apply()
		}
	}
	keep(KeyIMAP, func() { c.Operator.IMAP = old.Operator.IMAP })
	keep(KeySMTP, func() { c.Operator.SMTP = old.Operator.SMTP })
	keep(KeyDomain, func() { c.Operator.Domain = old.Operator.Domain })
	keep(KeyModule, func() { c.Module = old.Module })
	keep(KeyTrustStore, func() { c.Operator.TrustStore = old.Operator.TrustStore })
	keep(KeyLanguage, func() { c.Language = old.Language })
	keep(KeyAutoLock, func() { c.AutoLock = old.AutoLock })
	return c
}
