package app_test

import (
	"testing"

	"fyne.io/fyne/v2/test"

	. "comptoir/app"
	"comptoir/app/apptest"
)

func TestScreensFlow(t *testing.T) {
	cards := newFakeCards(BAL{Address: "claire.dupont@sandbox.mssante.test", Kind: KindPER},
		BAL{Address: "pharmacie-du-port-29200-brest@sandbox.mssante.test", Kind: KindORG})
	h := apptest.New(t, Deps{Cards: cards, Demo: &Demo{PIN: "1234"}})
	h.WaitText("Carte détectée : CPS DUPONT")
	h.WaitText("Mode démonstration — PIN 1234")
	h.Login("0000")
	h.WaitText("Code PIN incorrect")
	h.Login("1234")
	h.WaitText("Claire DUPONT")
	h.WaitText("Officine — pharmacie-du-port-29200-brest@sandbox.mssante.test")
	test.Tap(h.UI.Card.OpenButton)
	h.WaitText("Patient : Jeanne MARTIN — INS 285017512345678")
	if h.Shows("XDM/1.0/DDM+") {
		t.Fatal("the list shows the XDM prefix")
	}
	h.WaitText("Ordonnance MARTIN Jeanne")
	h.WaitText("Boîte de réception (1)")
	h.UI.Main.List.Select(0)
	h.WaitText("Bonjour, voici mon ordonnance.")
	h.WaitFor("unread badge cleared", func() bool { return !h.Shows("Boîte de réception (1)") })
	test.Tap(h.UI.Main.ReplyButton)
	h.WaitFor("composer", func() bool { return len(h.UI.Composers()) == 1 })
	c := h.UI.Composers()[0]
	if c.Subject.Text != "Re: Ordonnance MARTIN Jeanne" {
		t.Fatalf("reply subject %q", c.Subject.Text)
	}
	test.Type(c.Body, "Votre commande est prête.")
	test.Tap(c.Send)
	h.WaitText("Boîte d'envoi : 1")
	cards.pull()
	h.WaitText("La carte CPS a été retirée")
	if !cards.sess.closed {
		t.Fatal("session not closed on card removal")
	}
}
