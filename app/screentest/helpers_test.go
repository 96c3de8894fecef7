package screentest

import (
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"comptoir/app"
	"comptoir/app/apptest"
	"comptoir/app/apptest/memsession"
)

// clock is the UI's clock: tests move it forward instead of sleeping.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// world is one UI on an in-memory pharmacy.
type world struct {
	t     *testing.T
	h     *apptest.Harness
	cards *memsession.Cards
	clock *clock
}

// today is the tests' date: Thursday 3 December 2026, 10:00 in Paris.
func today() time.Time {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		loc = time.Local
	}
	return time.Date(2026, 12, 3, 10, 0, 0, 0, loc)
}

type options struct {
	open     func(now time.Time) *memsession.Session
	settings app.Settings
	deps     func(*app.Deps)
}

// start opens the UI on the pharmacy world (or o.open's) with the card in the reader.
func start(t *testing.T, o options) *world {
	t.Helper()
	c := &clock{now: today()}
	if o.open == nil {
		o.open = memsession.Pharmacy
	}
	cards := memsession.NewCards("CPS ELISE BONNEFOY", func() *memsession.Session { return o.open(c.Now()) })
	deps := app.Deps{Cards: cards, Now: c.Now, Version: "test", Settings: o.settings,
		Directory: memsession.NewDirectory(), Provisioning: memsession.Provisioning{}}
	if o.deps != nil {
		o.deps(&deps)
	}
	w := &world{t: t, h: apptest.New(t, deps), cards: cards, clock: c}
	w.h.WaitFor("the card in the reader", func() bool { return !w.h.UI.Card.LoginButton.Disabled() })
	return w
}

// login types the PIN and presses Entrée, as at the counter.
func (w *world) login() {
	w.t.Helper()
	card := w.h.UI.Card
	test.Type(card.PIN, memsession.PIN)
	w.h.UI.Window.Canvas().Focus(card.PIN)
	apptest.PressKey(w.h.UI.Window, fyne.KeyReturn)
}

// mailbox logs in and waits for the inbox.
func (w *world) mailbox() *app.MainScreen {
	w.t.Helper()
	w.login()
	card := w.h.UI.Card
	w.h.WaitFor("the inbox", func() bool {
		if w.h.UI.Main == nil && card.OpenButton.Visible() && !card.OpenButton.Disabled() {
			test.Tap(card.OpenButton) // the holder screen (TestPINThenEnterOpensTheInbox says when it may show)
		}
		return w.h.UI.Main != nil && w.h.UI.Main.Rows() > 0
	})
	return w.h.UI.Main
}

// session is the session the login opened.
func (w *world) session() *memsession.Session { return w.cards.Session() }

// bal taps the switcher's button of the BAL addr.
func (w *world) bal(addr string) {
	w.t.Helper()
	b := w.h.UI.Main.BALButton(addr)
	if b == nil {
		w.t.Fatalf("no switcher button for %s", addr)
	}
	test.Tap(b)
}

// row returns the index of the list's row whose subject contains s.
func (w *world) row(s string) int {
	w.t.Helper()
	m := w.h.UI.Main
	s = strings.TrimPrefix(s, "XDM/1.0/DDM+") // the list hides it
	for i := 0; i < m.Rows(); i++ {
		if r := m.Row(i); strings.Contains(r.Subject, s) {
			return i
		}
	}
	w.t.Fatalf("no row «%s»", s)
	return -1
}

// open selects the row whose subject contains s and waits for the reader to show it.
func (w *world) open(s string) {
	w.t.Helper()
	w.h.UI.Main.List.Select(w.row(s))
	w.h.WaitFor("the reader on «"+s+"»", func() bool {
		return strings.Contains(w.h.UI.Main.Reader.Subject.Text, strings.TrimPrefix(s, "XDM/1.0/DDM+")) && w.h.UI.Main.Reader.Subject.Visible()
	})
}

// layout lays the window out again, as the driver does before drawing a frame.
func (w *world) layout() {
	c := w.h.UI.Window.Canvas()
	c.Content().Resize(c.Content().Size().AddWidthHeight(0, 1))
	c.Content().Resize(c.Content().Size().SubtractWidthHeight(0, 1))
}
