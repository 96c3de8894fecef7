package app

import (
	"testing"

	"fyne.io/fyne/v2/test"
)

func TestScreensFlow(t *testing.T) {
	cards := newFakeCards(BAL{Address: "claire.dupont@sandbox.mssante.test", Kind: KindPER},
		BAL{Address: "pharmacie-du-port-29200-brest@sandbox.mssante.test", Kind: KindORG})
	h := newHarness(t, Deps{Cards: cards, Demo: &Demo{PIN: "1234"}})
	h.waitText("Carte détectée : CPS DUPONT")
	h.waitText("Mode démonstration — PIN 1234")
	h.login("0000")
	h.waitText("Code PIN incorrect")
	h.login("1234")
	h.waitText("Claire DUPONT")
	h.waitText("Officine — pharmacie-du-port-29200-brest@sandbox.mssante.test")
	test.Tap(h.u.Card.OpenButton)
	h.waitText("Patient : Jeanne MARTIN — INS 285017512345678")
	if h.shows("XDM/1.0/DDM+") {
		t.Fatal("the list shows the XDM prefix")
	}
	h.waitText("Ordonnance MARTIN Jeanne")
	h.waitText("Boîte de réception (1)")
	h.u.Main.List.Select(0)
	h.waitText("Bonjour, voici mon ordonnance.")
	h.waitFor("unread badge cleared", func() bool { return !h.shows("Boîte de réception (1)") })
	test.Tap(h.u.Main.ReplyButton)
	h.waitFor("composer", func() bool { return len(h.u.composers) == 1 })
	c := h.u.composers[0]
	if c.Subject.Text != "Re: Ordonnance MARTIN Jeanne" {
		t.Fatalf("reply subject %q", c.Subject.Text)
	}
	test.Type(c.Body, "Votre commande est prête.")
	test.Tap(c.Send)
	h.waitText("Boîte d'envoi : 1")
	cards.pull()
	h.waitText("La carte CPS a été retirée")
	if !cards.sess.closed {
		t.Fatal("session not closed on card removal")
	}
}
