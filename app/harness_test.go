package app

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
)

// harness runs the UI on the test goroutine: Deps.Do queues work that waitFor drains, so
// widgets are only touched by one goroutine, as with the real driver.
type harness struct {
	t  *testing.T
	a  fyne.App
	u  *UI
	q  chan func()
	cx context.CancelFunc
}

func newHarness(t *testing.T, deps Deps) *harness {
	t.Helper()
	h := &harness{t: t, a: test.NewTempApp(t), q: make(chan func(), 4096)}
	deps.Do = func(f func()) { h.q <- f }
	if deps.OpenURL == nil {
		deps.OpenURL = func(*url.URL) error { return nil }
	}
	if deps.TempDir == "" {
		deps.TempDir = t.TempDir()
	}
	h.u = New(h.a, deps)
	h.u.Window.Resize(fyne.NewSize(1600, 1000))
	ctx, cancel := context.WithCancel(context.Background())
	h.cx = cancel
	h.u.Start(ctx)
	t.Cleanup(func() {
		h.u.Stop()
		cancel()
		h.drain()
	})
	return h
}

// drain runs the queued UI work without waiting.
func (h *harness) drain() {
	for {
		select {
		case f := <-h.q:
			f()
		default:
			return
		}
	}
}

// waitFor runs UI work until cond holds, failing after a deadline.
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		h.drain()
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s; the window shows:\n%s", what, strings.Join(h.visible(), "\n"))
		}
		select {
		case f := <-h.q:
			f()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// waitText waits until the main window shows a text containing s.
func (h *harness) waitText(s string) {
	h.t.Helper()
	h.waitFor("«"+s+"»", func() bool { return h.shows(s) })
}

func (h *harness) shows(s string) bool {
	for _, v := range h.visible() {
		if strings.Contains(v, s) {
			return true
		}
	}
	return false
}

// visible lists the texts the user sees in the main window, dialogs included.
func (h *harness) visible() []string { return visibleTexts(h.u.Window.Canvas()) }

func visibleTexts(c fyne.Canvas) []string {
	var out []string
	walkVisible(c.Content(), &out)
	for _, o := range c.Overlays().List() {
		walkVisible(o, &out)
	}
	return out
}

func walkVisible(o fyne.CanvasObject, out *[]string) {
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
			walkVisible(c, out)
		}
		return
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(w).Objects() {
			walkVisible(c, out)
		}
	}
}

// login types pin and taps the login button.
func (h *harness) login(pin string) {
	h.t.Helper()
	c := h.u.Card
	h.waitFor("a card in the reader", func() bool { return !c.LoginButton.Disabled() })
	test.Type(c.PIN, pin)
	test.Tap(c.LoginButton)
}

// windowTexts lists what another window (composer, settings) shows.
func windowTexts(w fyne.Window) []string { return visibleTexts(w.Canvas()) }

func containsText(texts []string, s string) bool {
	for _, v := range texts {
		if strings.Contains(v, s) {
			return true
		}
	}
	return false
}
