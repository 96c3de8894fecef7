package demo_test

import (
	"context"
	"sync"
	"testing"

	"fyne.io/fyne/v2/test"

	"comptoir/app"
	"comptoir/app/demo"
	"comptoir/cps/cpstest"
	"comptoir/mail"
)

// The status bar tells the connection state and the last sync even when the engine reported
// them while the holder screen was shown: those events once found no main window, and the bar
// said « Connexion… » until the next event (the next idle refresh, up to 15 minutes later).
// The doctor has two practice situations: the holder screen waits for the choice.
func TestStatusWhenTheMailOpensAfterTheEngineConnected(t *testing.T) {
	seen := &onlineCounter{}
	h := startDeps(t, cpstest.Medecin.Label, func(d *app.Deps) { d.Cards = &teeCards{Cards: d.Cards, seen: seen} })
	h.Login(demo.PIN)
	h.WaitFor("the holder's choice", func() bool { return !h.UI.Card.OpenButton.Disabled() && h.UI.Main == nil })
	// The BAL online and a sync done, their events handed to the UI (the tee forwards an
	// event only once the UI took it), all before the mail is opened.
	h.WaitFor("the BAL online and synced on the holder screen", func() bool { return seen.online() >= 1 && seen.synced() })
	h.Drain()
	test.Tap(h.UI.Card.OpenButton)
	h.WaitFor("the main window", func() bool { return h.UI.Main != nil })
	if got := h.UI.Main.Status.Online.Text; got != "● En ligne" {
		t.Fatalf("the status bar says %q, want « ● En ligne »", got)
	}
	if got := h.UI.Main.Status.LastSync.Text; got == h.UI.T("status.lastsync.never") {
		t.Fatalf("the status bar says %q after a sync reported on the holder screen", got)
	}
}

// teeCards hands the UI sessions whose events the test counts.
type teeCards struct {
	app.Cards
	seen *onlineCounter
}

func (c *teeCards) Login(ctx context.Context, slot uint, pin []byte) (app.Session, error) {
	s, err := c.Cards.Login(ctx, slot, pin)
	if err != nil {
		return s, err
	}
	out := make(chan mail.Event)
	go func() {
		defer close(out)
		for ev := range s.Events() {
			out <- ev // unbuffered: counted once the UI has it
			switch ev.(type) {
			case mail.Online:
				c.seen.add()
			case mail.Synced:
				c.seen.sync()
			}
		}
	}()
	return teeSession{Session: s, events: out}, nil
}

type teeSession struct {
	app.Session
	events chan mail.Event
}

func (s teeSession) Events() <-chan mail.Event { return s.events }

type onlineCounter struct {
	mu      sync.Mutex
	n       int
	didSync bool
}

func (c *onlineCounter) add()  { c.mu.Lock(); c.n++; c.mu.Unlock() }
func (c *onlineCounter) sync() { c.mu.Lock(); c.didSync = true; c.mu.Unlock() }
func (c *onlineCounter) synced() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.didSync
}
func (c *onlineCounter) online() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}
