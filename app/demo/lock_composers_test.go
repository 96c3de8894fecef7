package demo_test

import (
	"slices"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"comptoir/app/demo"
	"comptoir/cps/cpstest"
)

// Locking closes every open composer (they show health data), however many are open, and
// keeps what was typed as the BAL's draft.
func TestLockClosesEveryComposer(t *testing.T) {
	h := start(t, cpstest.Titulaire.Label)
	openMail(t, h)
	for n := 1; n <= 3; n++ {
		test.Tap(h.UI.Main.NewButton)
		h.WaitFor("composer open", func() bool { return len(h.UI.Composers()) == n })
	}
	h.UI.Composers()[2].Subject.SetText("Commande en cours pour Mme Roussel")
	var windows []fyne.Window
	for _, c := range h.UI.Composers() {
		windows = append(windows, c.Window)
	}
	h.UI.Lock("test")
	h.Drain()
	open := h.A.Driver().AllWindows()
	for i, w := range windows {
		if slices.Contains(open, w) {
			t.Errorf("composer %d still open after locking", i+1)
		}
	}
	// After unlocking, "Nouveau message" reopens what was being typed.
	h.Login(demo.PIN)
	h.WaitFor("unlocked", func() bool { return !h.UI.Locked() && h.UI.Main != nil })
	test.Tap(h.UI.Main.NewButton)
	h.WaitFor("the draft kept at lock", func() bool {
		cs := h.UI.Composers()
		return len(cs) == 1 && cs[0].Subject.Text == "Commande en cours pour Mme Roussel"
	})
	c := h.UI.Composers()[0]
	c.Subject.SetText("")
	test.Tap(c.SaveDraft) // leave no draft behind for other tests
}
