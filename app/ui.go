package app

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"comptoir/app/config"
	"comptoir/assets"
	"comptoir/mail"
)

// UI is the application window and its screens. Its exported widgets are what tests drive.
type UI struct {
	Window fyne.Window
	Card   *CardScreen // the card screen; also the lock screen
	Main   *MainScreen // nil until a session is open
	Banner *widget.Label

	app     fyne.App
	deps    Deps
	tr      *translator
	cfg     config.Config
	log     *slog.Logger
	session Session
	locked  bool
	early   earlyEvents // the session's state before the main window opened

	ctx    context.Context
	cancel context.CancelFunc

	mu           sync.Mutex // guards lastActivity (written on the UI goroutine, read by the ticker)
	lastActivity time.Time
	composers    []*Composer
	outbox       *OutboxWindow     // « Boîte d'envoi », while open
	windows      []fyne.Window     // every other window but the composers (track), closed on lock
	tmpDir       string            // files opened with the system viewer
	tips         *tooltips         // the main window's hover texts
	screen       fyne.Size         // the room a window may take on the screen (FitScreen); zero: unknown
	dialogs      []shownDialog     // the dialogs shown, for Échap
	content      fyne.CanvasObject // the screen the main window shows
}

// New builds the UI on a, showing the card screen (the caller shows the window and runs
// the app). deps.Cards must be set.
func New(a fyne.App, deps Deps) *UI {
	u := newWindow(a, deps)
	u.Card = newCardScreen(u)
	u.showContent(u.Card.Content)
	return u
}

// newWindow is the UI without its screens: the window, its menu and its keys.
func newWindow(a fyne.App, deps Deps) *UI {
	if deps.Do == nil {
		deps.Do = fyne.Do
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.OpenURL == nil {
		deps.OpenURL = a.OpenURL
	}
	if deps.Settings == nil {
		deps.Settings = &config.Memory{}
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cfg, err := deps.Settings.Load()
	if err != nil {
		deps.Logger.Warn("settings not loaded, using defaults", "err", err)
	}
	if cfg.AutoLock == 0 {
		cfg.AutoLock = DefaultAutoLock
	}
	u := &UI{app: a, deps: deps, cfg: cfg, log: deps.Logger, tr: newTranslator(cfg.Language)}
	u.applyTheme()
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.Icon))
	u.Window = a.NewWindow(u.tr.T("app.title"))
	u.Window.Resize(counterRoom) // until FitScreen gives the screen's size
	u.Window.SetMaster()
	u.tips = newTooltips(u)
	u.Banner = widget.NewLabel("")
	u.Banner.Importance = widget.WarningImportance
	u.Banner.Alignment = fyne.TextAlignCenter
	if deps.Demo != nil {
		u.Banner.SetText(u.tr.T("demo.banner", deps.Demo.PIN))
	} else {
		u.Banner.Hide()
	}
	u.Window.SetMainMenu(u.mainMenu())
	u.Window.SetCloseIntercept(func() { u.Stop(); u.Window.Close() })
	if dc, ok := u.Window.Canvas().(interface {
		SetOnKeyDown(func(*fyne.KeyEvent))
	}); ok {
		dc.SetOnKeyDown(func(*fyne.KeyEvent) { u.touch() })
	}
	u.Window.Canvas().SetOnTypedKey(u.typedKey)
	return u
}

// NewShown is New for the application's real window, called on the main goroutine: it
// creates the native window (its GL context: about 0.2 s under Xvfb) while the other cores
// parse the fonts and build the card screen's widgets (about 0.1 s each), then shows the
// card screen. The window is shown when it returns; the caller runs the app. The widgets
// are not on any canvas while they are built, so nothing draws them or reads them
// meanwhile; the theme is set before either goroutine starts (they read it).
func NewShown(a fyne.App, deps Deps) *UI {
	u := newWindow(a, deps)
	go warmTextFonts()
	built := make(chan *CardScreen, 1)
	go func() { built <- newCardScreen(u) }()
	u.Window.Show()
	u.Card = <-built
	u.showContent(u.Card.Content)
	return u
}

// warmTextFonts parses the theme's regular and bold fonts, the first screen's (about 0.15 s
// of CPU, otherwise spent on the first text measured). The other styles stay unloaded until
// used: each font held costs memory. Measuring text is safe off the UI goroutine: Fyne's
// font cache is a concurrent map.
func warmTextFonts() {
	for _, st := range []fyne.TextStyle{{}, {Bold: true}} {
		fyne.MeasureText("Comptoir é", theme.TextSize(), st)
	}
}

// T returns the translated text for key (exposed for tests and the demo wiring).
func (u *UI) T(key string, args ...any) string { return u.tr.T(key, args...) }

// Start begins watching the card readers and the inactivity delay, until Stop or ctx ends.
func (u *UI) Start(ctx context.Context) {
	u.ctx, u.cancel = context.WithCancel(ctx)
	u.touch()
	u.removeStaleTempFiles()
	u.warmPDF()
	u.Card.start(u.ctx)
	go u.watchInactivity(u.ctx)
}

// Stop closes the session and ends the background work.
func (u *UI) Stop() {
	if u.cancel != nil {
		u.cancel()
	}
	u.closeSession()
}

func (u *UI) showContent(c fyne.CanvasObject) {
	u.tips.hide()
	u.content = c
	u.Window.SetContent(container.NewStack(container.NewBorder(u.Banner, nil, nil, nil, c), u.tips.Layer))
	if c == u.Card.Content && u.Card.loginBox.Visible() {
		u.Window.Canvas().Focus(u.Card.PIN) // the card screen and the lock screen: type the PIN
	}
}

// touch records user activity for the inactivity lock.
func (u *UI) touch() {
	u.mu.Lock()
	u.lastActivity = u.deps.Now()
	u.mu.Unlock()
}

func (u *UI) idleFor() time.Duration {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.deps.Now().Sub(u.lastActivity)
}

func (u *UI) watchInactivity(ctx context.Context) {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			idle := u.idleFor()
			u.deps.Do(func() {
				if u.Main != nil {
					u.Main.Status.expire(u.deps.Now())
				}
				if u.session != nil && !u.locked && u.cfg.AutoLock > 0 && idle >= u.cfg.AutoLock {
					u.Lock(u.tr.T("lock.reason.idle"))
				}
			})
		}
	}
}

// onSession is called on the UI goroutine after a successful login.
func (u *UI) onSession(s Session) {
	u.session = s
	u.early = earlyEvents{}
	wasLocked := u.locked
	u.locked = false
	u.Card.reset()
	u.touch()
	go u.watchRemoval(s)
	go u.pumpEvents(s)
	if wasLocked && u.Main != nil {
		// Unlock: the same mailboxes, on a fresh session.
		u.Main.rebind(s)
		u.showContent(u.Main.Content)
		u.Window.SetMainMenu(u.mainMenu()) // the lock took the session's items out
		return
	}
	u.Card.showHolder(s)
	if !u.Card.needsChoice(s) {
		u.openMain() // nothing to choose: straight to the inbox
	}
}

// openMain shows the main window of the current session.
func (u *UI) openMain() {
	if u.session == nil {
		return
	}
	u.Main = newMainScreen(u, u.session)
	// What happened before the window opened: each BAL's connection, the outbox, a sync.
	for _, ev := range u.early.replay() {
		u.Main.apply(ev)
	}
	u.early = earlyEvents{}
	u.showContent(u.Main.Content)
	u.Window.SetMainMenu(u.mainMenu())
}

// pumpEvents hands the session's events to the UI goroutine until the session's stream
// ends (the session closed) or the UI stops. Every kind is applied; none is dropped.
func (u *UI) pumpEvents(s Session) {
	events := s.Events()
	for {
		select {
		case <-u.ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			u.deps.Do(func() {
				if u.session == s {
					u.apply(ev)
				}
			})
		}
	}
}

// apply handles one session event on the UI goroutine: BALs joining or leaving update the
// card screen and the menus, the rest goes to the main window when it is open.
func (u *UI) apply(ev mail.Event) {
	if e, ok := ev.(mail.BALAdded); ok {
		for _, b := range u.session.BALs() {
			if b.Address == e.BAL {
				u.balActivated(b)
			}
		}
	}
	switch ev.(type) {
	case mail.BALAdded, mail.BALRemoved:
		if u.Main == nil {
			u.Card.showHolder(u.session)
			u.Card.OpenButton.Enable()
		}
		u.Window.SetMainMenu(u.mainMenu())
	}
	if u.Main != nil && u.Main.s == u.session {
		u.Main.apply(ev)
		return
	}
	u.early.keep(ev)
}

func (u *UI) watchRemoval(s Session) {
	select {
	case <-s.Removed():
		reason := u.tr.T("lock.reason.card")
		if e, ok := s.(SessionEnder); ok && e.EndReason() != nil {
			reason = u.tr.T("lock.reason.psc") // Pro Santé Connect refused the refresh
		}
		u.deps.Do(func() {
			if u.session == s && !u.locked {
				u.Lock(reason)
			}
		})
	case <-u.ctx.Done():
	}
}

// Lock closes the session and shows the lock screen; reason says why, in the UI language.
// The mail is hidden first, what open composers hold is kept as drafts while the cache is
// still open, then the session locks (keys wiped, card logged out, network dropped; the
// engine stops in the background: nothing here waits on the network), and every other
// window and dialog closes.
func (u *UI) Lock(reason string) {
	if u.locked {
		return
	}
	u.locked = true
	u.Card.showLocked(reason)
	u.showContent(u.Card.Content)
	u.keepDrafts()
	u.closeSession()
	u.closeAll()
	u.Window.SetMainMenu(u.mainMenu())
	u.log.Info("ui locked")
}

// Locked reports whether the lock screen is shown.
func (u *UI) Locked() bool { return u.locked }

func (u *UI) closeSession() {
	s := u.session
	u.session = nil
	if s == nil {
		return
	}
	if u.Main != nil {
		u.Main.unbind()
	}
	if err := s.Close(); err != nil {
		u.log.Warn("session close", "err", err)
	}
	u.removeTempFiles()
}

// openURL opens u with the system handler, reporting failures in a dialog.
func (u *UI) openURL(target *url.URL) {
	if err := u.deps.OpenURL(target); err != nil {
		u.showError(u.tr.T("error.open"), err)
	}
}

// Composers returns the open composer windows.
func (u *UI) Composers() []*Composer { return append([]*Composer(nil), u.composers...) }
