package screentest

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"comptoir/app/apptest"
	"comptoir/app/apptest/memsession"
	"comptoir/mail"
)

// offlineLabel is the visible label saying « Hors ligne », if any.
func offlineLabel(w *world) *widget.Label {
	var found *widget.Label
	apptest.Walk(w.h.UI.Window.Canvas(), func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && strings.Contains(l.Text, "Hors ligne") && found == nil {
			found = l
		}
	})
	return found
}

// « Hors ligne » is a banner above the mail, gone once the connection is back.
func TestOfflineBanner(t *testing.T) {
	w := start(t, options{})
	m := w.mailbox()
	w.session().Emit(mail.Online{BAL: memsession.ORG})
	w.session().Emit(mail.Offline{BAL: memsession.ORG})
	w.h.WaitFor("« Hors ligne »", func() bool { return offlineLabel(w) != nil })
	l := offlineLabel(w)
	if apptest.AbsolutePosition(l).Y > apptest.AbsolutePosition(m.List).Y {
		t.Fatalf("« %s » shows below the message list, not as a banner above it", l.Text)
	}
	if !strings.Contains(l.Text, "Officine") {
		t.Errorf("the banner does not say which BAL is offline: %q", l.Text)
	}
	w.session().Emit(mail.Online{BAL: memsession.ORG})
	w.h.WaitFor("the banner gone", func() bool { return offlineLabel(w) == nil })
}

// An action's outcome (« Message envoyé ») does not stay in the status bar for ever.
func TestOldStatusMessagesCleared(t *testing.T) {
	w := start(t, options{})
	w.mailbox()
	w.session().Emit(mail.Sent{BAL: memsession.ORG, MessageID: "x"})
	w.h.WaitText("Message envoyé")
	w.clock.Add(2 * time.Minute)
	w.h.WaitFor("« Message envoyé » cleared", func() bool { return !w.h.Shows("Message envoyé") })
}

// The lock screen's « carte retirée » goes once the card is back in the reader.
func TestCardBackClearsCardRemoved(t *testing.T) {
	w := start(t, options{})
	w.mailbox()
	w.cards.Pull()
	w.h.WaitText("La carte CPS a été retirée")
	w.cards.Insert()
	w.h.WaitFor("the card back", func() bool {
		return w.h.Shows("Carte détectée") && !w.h.Shows("a été retirée")
	})
	if w.h.UI.Window.Canvas().Focused() != w.h.UI.Card.PIN {
		t.Error("the PIN field does not have the focus on the lock screen")
	}
}
