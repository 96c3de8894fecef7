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

// newComposer taps « Nouveau message » and returns the composer it opens.
func newComposer(t *testing.T, h *apptest.Harness) *app.Composer {
	t.Helper()
	n := len(h.UI.Composers())
	test.Tap(h.UI.Main.NewButton)
	h.WaitFor("a composer", func() bool { return len(h.UI.Composers()) == n+1 })
	return h.UI.Composers()[n]
}

// clearDrafts leaves no draft of bal behind for the other tests.
func clearDrafts(t *testing.T, h *apptest.Harness, bal string) {
	t.Helper()
	if dl, ok := h.UI.Main.Session().(app.DraftList); ok {
		for _, d := range dl.Drafts(bal) {
			if err := dl.DeleteDraft(bal, d.DraftID); err != nil {
				t.Error(err)
			}
		}
	}
}

// Issue 17: closing the composer with text in it keeps a draft (today « Fermer » dropped it
// silently); « Nouveau message » brings the text back. Two composers closed in turn keep a
// draft each; a composer closed another way (Échap) keeps its text too.
func TestClosingTheComposerKeepsTheDraft(t *testing.T) {
	h := start(t, cpstest.Titulaire.Label)
	openMail(t, h)
	bal := h.UI.Main.BAL()
	t.Cleanup(func() { clearDrafts(t, h, bal) })
	doctor := sandbox.Seed(sandbox.DefaultDomain).Doctor

	c := newComposer(t, h)
	c.To.SetText(doctor)
	c.Subject.SetText("Renouvellement de M. Perrin")
	c.Body.SetText("Docteur, l'ordonnance de M. Perrin arrive à échéance…")
	test.Tap(c.Close)
	h.WaitFor("the composer closed", func() bool { return len(h.UI.Composers()) == 0 })
	h.WaitText("Brouillon enregistré")

	c2 := newComposer(t, h)
	if c2.Subject.Text != "Renouvellement de M. Perrin" || !strings.Contains(c2.Body.Text, "arrive à échéance") || !strings.Contains(c2.To.Text, doctor) {
		t.Fatalf("« Nouveau message » after « Fermer » shows %q / %q / %q", c2.To.Text, c2.Subject.Text, c2.Body.Text)
	}
	// A second message while the first is open: a blank one (the draft is shown already).
	c3 := newComposer(t, h)
	if c3.Subject.Text != "" || c3.Body.Text != "" {
		t.Fatalf("a second « Nouveau message » shows %q / %q", c3.Subject.Text, c3.Body.Text)
	}
	c3.Body.SetText("Commande grossiste : 2 boîtes de Doliprane 1000")
	c3.Window.Close() // Échap, or the lock: not through « Fermer »
	h.WaitFor("the second composer closed", func() bool { return len(h.UI.Composers()) == 1 })
	test.Tap(c2.Close) // unchanged: closed without a word
	h.WaitFor("the first composer closed", func() bool { return len(h.UI.Composers()) == 0 })

	dl := h.UI.Main.Session().(app.DraftList)
	drafts := dl.Drafts(bal)
	if len(drafts) != 2 || !strings.Contains(drafts[0].Text, "Doliprane") || drafts[1].Subject != "Renouvellement de M. Perrin" {
		t.Fatalf("drafts kept: %+v", drafts)
	}
	// « Supprimer le brouillon » forgets it, after a confirmation.
	c4 := newComposer(t, h)
	if !strings.Contains(c4.Body.Text, "Doliprane") {
		t.Fatalf("the newest draft is not reopened first: %q", c4.Body.Text)
	}
	test.Tap(c4.Discard)
	h.WaitFor("the confirmation", func() bool {
		return apptest.Contains(apptest.WindowTexts(c4.Window), "Le texte de ce message sera perdu.")
	})
	confirm(t, h, c4, "Supprimer")
	h.WaitFor("the composer closed", func() bool { return len(h.UI.Composers()) == 0 })
	if drafts := dl.Drafts(bal); len(drafts) != 1 || drafts[0].Subject != "Renouvellement de M. Perrin" {
		t.Fatalf("after « Supprimer le brouillon »: %+v", drafts)
	}
}

// confirm taps the button labelled label in c's window's dialog.
func confirm(t *testing.T, h *apptest.Harness, c *app.Composer, label string) {
	t.Helper()
	b := findButton(c.Window.Canvas(), label)
	if b == nil {
		t.Fatalf("no « %s » in the composer: %q", label, apptest.WindowTexts(c.Window))
	}
	test.Tap(b)
	h.Drain()
}

// findButton is the visible button labelled label on c (dialogs included), or nil.
func findButton(c fyne.Canvas, label string) *widget.Button {
	var found *widget.Button
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() || found != nil {
			return
		}
		switch w := o.(type) {
		case *widget.Button:
			if w.Text == label {
				found = w
			}
		case *fyne.Container:
			for _, x := range w.Objects {
				walk(x)
			}
		case fyne.Widget:
			for _, x := range test.WidgetRenderer(w).Objects() {
				walk(x)
			}
		}
	}
	walk(c.Content())
	for _, o := range c.Overlays().List() {
		walk(o)
	}
	return found
}
