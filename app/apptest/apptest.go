// Package apptest drives Comptoir's UI headless in tests (fyne.io/fyne/v2/test): it runs the
// UI work on the test goroutine, waits for what the user would see, and lists the texts on
// screen. Like net/http/httptest, it is test support, never used by the application.
package apptest

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"comptoir/app"
)

// Harness runs the UI on the test goroutine: Deps.Do queues work that WaitFor drains, so
// widgets are only touched by one goroutine, as with the real driver.
type Harness struct {
	T  testing.TB
	A  fyne.App
	UI *app.UI
	q  chan func()
	// The longest time a UI job held the UI goroutine since TakeLongest (timing.go).
	longest, longestCPU time.Duration
}

// New builds the UI on a test app with deps and starts it.
func New(t testing.TB, deps app.Deps) *Harness {
	t.Helper()
	h := &Harness{T: t, A: test.NewTempApp(t), q: make(chan func(), 4096)}
	deps.Do = func(f func()) { h.q <- f }
	if deps.OpenURL == nil {
		deps.OpenURL = func(*url.URL) error { return nil }
	}
	if deps.TempDir == "" {
		deps.TempDir = t.TempDir()
	}
	h.UI = app.New(h.A, deps)
	h.UI.Window.Resize(fyne.NewSize(1600, 1000))
	ctx, cancel := context.WithCancel(context.Background())
	h.UI.Start(ctx)
	t.Cleanup(func() {
		h.UI.Stop()
		cancel()
		h.Drain()
	})
	return h
}

// Drain runs the queued UI work without waiting.
func (h *Harness) Drain() {
	for {
		select {
		case f := <-h.q:
			h.run(f)
		default:
			return
		}
	}
}

// WaitFor runs UI work until cond holds, failing after a deadline (45 s). The deadline
// only bounds a failure: a passing wait returns as soon as cond holds, and under -race on a
// loaded 2-core machine (make test runs the packages side by side) a synchronisation pass
// can take seconds.
func (h *Harness) WaitFor(what string, cond func() bool) {
	h.T.Helper()
	h.WaitForWithin(what, 45*time.Second, cond)
}

// WaitForWithin is WaitFor with its own deadline, for work bounded by a longer limit of its
// own (a PDF render's 20 s).
func (h *Harness) WaitForWithin(what string, within time.Duration, cond func() bool) {
	h.T.Helper()
	deadline := time.Now().Add(within)
	for {
		h.Drain()
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			h.T.Fatalf("timed out waiting for %s; the window shows:\n%s", what, strings.Join(h.Visible(), "\n"))
		}
		select {
		case f := <-h.q:
			h.run(f)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// WaitText waits until the main window shows a text containing s.
func (h *Harness) WaitText(s string) {
	h.T.Helper()
	h.WaitFor("«"+s+"»", func() bool { return h.Shows(s) })
}

// Shows reports whether the main window shows a text containing s.
func (h *Harness) Shows(s string) bool {
	for _, v := range h.Visible() {
		if strings.Contains(v, s) {
			return true
		}
	}
	return false
}

// Visible lists the texts the user sees in the main window, dialogs included.
func (h *Harness) Visible() []string { return VisibleTexts(h.UI.Window.Canvas()) }

// VisibleTexts lists the label, button and text contents visible on c, overlays included.
func VisibleTexts(c fyne.Canvas) []string {
	var out []string
	walk(c.Content(), &out)
	for _, o := range c.Overlays().List() {
		walk(o, &out)
	}
	return out
}

func walk(o fyne.CanvasObject, out *[]string) {
	if o == nil || !o.Visible() {
		return
	}
	switch w := o.(type) {
	case *widget.Label:
		*out = append(*out, w.Text)
		return
	case *widget.Button:
		*out = append(*out, w.Text)
		return
	case *canvas.Text:
		*out = append(*out, w.Text)
		return
	case *fyne.Container:
		for _, c := range w.Objects {
			walk(c, out)
		}
		return
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(w).Objects() {
			walk(c, out)
		}
	}
}

// Login types pin and taps the login button of the card screen.
func (h *Harness) Login(pin string) {
	h.T.Helper()
	c := h.UI.Card
	h.WaitFor("a card in the reader", func() bool { return !c.LoginButton.Disabled() })
	test.Type(c.PIN, pin)
	test.Tap(c.LoginButton)
}

// WindowTexts lists what another window (composer, settings) shows.
func WindowTexts(w fyne.Window) []string { return VisibleTexts(w.Canvas()) }

// Contains reports whether one of texts contains s.
func Contains(texts []string, s string) bool {
	for _, v := range texts {
		if strings.Contains(v, s) {
			return true
		}
	}
	return false
}
