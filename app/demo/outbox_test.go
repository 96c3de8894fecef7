package demo_test

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"comptoir/app"
	"comptoir/app/apptest"
	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cps/cpstest"
)

// sendOffline writes and sends a message while the network is cut: it waits in the outbox.
func sendOffline(t *testing.T, h *apptest.Harness, subject string) {
	t.Helper()
	c := newComposer(t, h)
	c.To.SetText(sandbox.Seed(sandbox.DefaultDomain).Doctor)
	c.Subject.SetText(subject)
	c.Body.SetText("Bonjour, je vous confirme la délivrance.")
	test.Tap(c.Send)
	h.WaitFor("the composer closed", func() bool { return len(h.UI.Composers()) == 0 })
}

// Issue 17: the outbox can be opened; a waiting message can be taken back to edit (it
// comes back as a draft) or cancelled, with a confirmation; nothing leaves meanwhile.
func TestOutboxEditAndCancel(t *testing.T) {
	h := start(t, cpstest.Titulaire.Label)
	openMail(t, h)
	bal := h.UI.Main.BAL()
	t.Cleanup(func() { clearDrafts(t, h, bal) })
	env.SetNetwork(false)
	t.Cleanup(func() { env.SetNetwork(true) })
	h.WaitText("Hors ligne")

	sendOffline(t, h, "Délivrance de M. Perrin")
	sendOffline(t, h, "Stock de vaccins")
	o := h.UI.ShowOutbox()
	if o == nil {
		t.Fatal("the outbox window did not open")
	}
	h.WaitFor("two waiting messages", func() bool { return len(o.Rows) == 2 })
	row := func(subject string) *app.OutboxRow {
		for _, r := range o.Rows {
			if strings.Contains(r.Label.Text, subject) {
				return r
			}
		}
		return nil
	}
	r := row("Délivrance de M. Perrin")
	if r == nil || !strings.Contains(r.State.Text, "En attente d'envoi") || r.Edit.Disabled() || r.Cancel.Disabled() {
		t.Fatalf("the waiting message's row: %+v", r)
	}
	// « Modifier »: out of the outbox, into a composer, kept as a draft at once.
	test.Tap(r.Edit)
	h.WaitFor("the composer", func() bool { return len(h.UI.Composers()) == 1 })
	c := h.UI.Composers()[0]
	if c.Subject.Text != "Délivrance de M. Perrin" || !strings.Contains(c.Body.Text, "je vous confirme") ||
		!strings.Contains(c.To.Text, sandbox.Seed(sandbox.DefaultDomain).Doctor) {
		t.Fatalf("the composer holds %q / %q / %q", c.To.Text, c.Subject.Text, c.Body.Text)
	}
	h.WaitFor("one waiting message", func() bool { return len(o.Rows) == 1 })
	if drafts := h.UI.Main.Session().(app.DraftList).Drafts(bal); len(drafts) != 1 || drafts[0].Subject != "Délivrance de M. Perrin" {
		t.Fatalf("the message taken back is not kept as a draft: %+v", drafts)
	}
	test.Tap(c.Close)
	h.WaitFor("the composer closed", func() bool { return len(h.UI.Composers()) == 0 })

	// « Annuler l'envoi », confirmed: gone.
	r = row("Stock de vaccins")
	test.Tap(r.Cancel)
	h.WaitFor("the confirmation", func() bool { return apptest.Contains(apptest.WindowTexts(o.Window), "ne sera pas envoyé") })
	test.Tap(dialogButton(t, o.Window.Canvas(), "Annuler l'envoi")) // the dialog's, not the row's
	h.WaitFor("the outbox empty", func() bool { return len(o.Rows) == 0 && o.Empty.Visible() })
	h.WaitFor("« Envoi annulé »", func() bool { return strings.Contains(o.Status.Text, "Envoi annulé") })
	if got := h.UI.Main.Session().OutboxCount(); got != 0 {
		t.Fatalf("the session counts %d waiting messages", got)
	}
}

// dialogButton is the button labelled label in the dialogs shown on c.
func dialogButton(t *testing.T, c fyne.Canvas, label string) *widget.Button {
	t.Helper()
	for _, o := range c.Overlays().List() {
		var found *widget.Button
		walkButtons(o, label, &found)
		if found != nil {
			return found
		}
	}
	t.Fatalf("no « %s » in a dialog", label)
	return nil
}

func walkButtons(o fyne.CanvasObject, label string, found **widget.Button) {
	if o == nil || !o.Visible() || *found != nil {
		return
	}
	switch w := o.(type) {
	case *widget.Button:
		if w.Text == label {
			*found = w
		}
	case *fyne.Container:
		for _, x := range w.Objects {
			walkButtons(x, label, found)
		}
	case fyne.Widget:
		for _, x := range test.WidgetRenderer(w).Objects() {
			walkButtons(x, label, found)
		}
	}
}
