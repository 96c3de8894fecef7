package screentest

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"comptoir/app"
	"comptoir/app/apptest"
	"comptoir/app/apptest/memsession"
)

const ctrl = fyne.KeyModifierShortcutDefault

// The PIN field has the focus at start; Entrée logs in and opens the inbox at once when the
// holder has nothing to choose.
func TestPINThenEnterOpensTheInbox(t *testing.T) {
	w := start(t, options{})
	u := w.h.UI
	if u.Window.Canvas().Focused() != u.Card.PIN {
		t.Fatalf("the focus at start is on %T, not the PIN field", u.Window.Canvas().Focused())
	}
	test.Type(u.Card.PIN, memsession.PIN) // typed into the focused field, as the keyboard does
	apptest.PressKey(u.Window, fyne.KeyReturn)
	w.h.WaitFor("the inbox", func() bool { return u.Main != nil && w.h.Shows("Boîte de réception") })
	if w.h.Shows("Ouvrir la messagerie") {
		t.Fatal("the holder screen showed although there was nothing to choose")
	}
}

// With several practice situations the holder chooses the one whose entity signs the
// personal BAL's mail; Entrée opens the inbox.
func TestHolderChoosesTheSituation(t *testing.T) {
	w := start(t, options{open: func(now time.Time) *memsession.Session {
		s := memsession.Pharmacy(now)
		h := memsession.Holder()
		h.Situations = append(h.Situations, "CENTRE HOSPITALIER DES CEDRES — FINESS 690999131")
		s.SetHolder(h)
		return s
	}})
	u := w.h.UI
	w.login()
	w.h.WaitText("CENTRE HOSPITALIER DES CEDRES")
	if u.Main != nil {
		t.Fatal("the inbox opened before the holder chose a situation")
	}
	if u.Card.Situation == nil {
		t.Fatal("no situation choice on the holder screen")
	}
	u.Card.Situation.SetSelected(u.Card.Situation.Options[1])
	u.Window.Canvas().Unfocus()
	apptest.PressKey(u.Window, fyne.KeyReturn)
	w.h.WaitFor("the inbox", func() bool { return u.Main != nil })
	if got := w.session().Situation(); got != 1 {
		t.Fatalf("the session signs as situation %d, want 1", got)
	}
}

// Ctrl+N writes, Ctrl+Entrée sends, Ctrl+R replies, Ctrl+F searches, Ctrl+P prints.
func TestShortcuts(t *testing.T) {
	w := start(t, options{})
	u := w.h.UI
	m := w.mailbox()
	w.bal(memsession.ORG)

	apptest.PressShortcut(u.Window, fyne.KeyN, ctrl)
	w.h.WaitFor("the composer (Ctrl+N)", func() bool { return len(u.Composers()) == 1 })
	c := u.Composers()[0]
	if c.Window.Canvas().Focused() != c.To {
		t.Errorf("a new message opens with the focus on %T, not « À »", c.Window.Canvas().Focused())
	}
	c.To.SetText(memsession.Doctor)
	c.Subject.SetText("Disponibilité")
	c.Window.Canvas().Focus(c.Body)
	test.Type(c.Body, "La pommade est prête.")
	apptest.PressShortcut(c.Window, fyne.KeyReturn, ctrl)
	w.h.WaitFor("the message sent (Ctrl+Entrée)", func() bool { return len(w.session().Sent()) == 1 && len(u.Composers()) == 0 })
	if d := w.session().Sent()[0]; d.Subject != "Disponibilité" || !strings.Contains(d.Text, "pommade") {
		t.Fatalf("sent %q / %q", d.Subject, d.Text)
	}

	w.open(memsession.SubjectOrder)
	apptest.PressShortcut(u.Window, fyne.KeyR, ctrl)
	w.h.WaitFor("the reply (Ctrl+R)", func() bool { return len(u.Composers()) == 1 })
	if s := u.Composers()[0].Subject.Text; s != "Re: "+memsession.SubjectOrder {
		t.Fatalf("Ctrl+R opened %q", s)
	}
	if c := u.Composers()[0]; c.Window.Canvas().Focused() != c.Body {
		t.Errorf("a reply opens with the focus on %T, not its text", c.Window.Canvas().Focused())
	}
	u.Composers()[0].Window.Close()

	apptest.PressShortcut(u.Window, fyne.KeyF, ctrl)
	if u.Window.Canvas().Focused() != m.Search {
		t.Fatalf("Ctrl+F focused %T, not the search field", u.Window.Canvas().Focused())
	}
	// Ctrl+N still works with the focus in a text field.
	apptest.PressShortcut(u.Window, fyne.KeyN, ctrl)
	w.h.WaitFor("the composer (Ctrl+N from the search field)", func() bool { return len(u.Composers()) == 1 })
	u.Composers()[0].Window.Close()

	apptest.PressShortcut(u.Window, fyne.KeyP, ctrl)
	w.h.WaitFor("the print dialog of the prescription (Ctrl+P)", func() bool {
		for _, row := range append(append([]*app.PartRow{}, m.Reader.Documents...), m.Reader.Attachments...) {
			if row.PrintDialog != nil {
				return strings.HasPrefix(row.Name.Text, "ordonnance.pdf")
			}
		}
		return false
	})
}

// The arrow keys move in the list: the next message opens.
func TestArrowKeysMoveInTheList(t *testing.T) {
	w := start(t, options{})
	u := w.h.UI
	m := w.mailbox()
	w.bal(memsession.ORG)
	first, second := m.Row(0).Subject, m.Row(1).Subject
	w.open(first)
	for _, focusList := range []bool{false, true} {
		if focusList {
			u.Window.Canvas().Focus(m.List)
		} else {
			u.Window.Canvas().Unfocus()
		}
		apptest.PressKey(u.Window, fyne.KeyDown)
		w.h.WaitFor("the next message («"+second+"»)", func() bool { return m.Reader.Subject.Text == second })
		apptest.PressKey(u.Window, fyne.KeyUp)
		w.h.WaitFor("the previous message («"+first+"»)", func() bool { return m.Reader.Subject.Text == first })
	}
}

// Suppr asks first; Échap closes the question; confirmed, the message goes to the trash.
func TestDeleteKeyAsksFirst(t *testing.T) {
	w := start(t, options{})
	u := w.h.UI
	m := w.mailbox()
	w.bal(memsession.ORG)
	w.open(memsession.SubjectStock)
	rows := m.Rows()
	u.Window.Canvas().Focus(m.List)
	apptest.PressKey(u.Window, fyne.KeyDelete)
	w.h.WaitText("Supprimer ce message ?")
	apptest.PressKey(u.Window, fyne.KeyEscape)
	w.h.WaitFor("the question closed (Échap)", func() bool { return !w.h.Shows("Supprimer ce message ?") })
	if len(w.session().Deleted()) != 0 {
		t.Fatal("Échap deleted the message")
	}
	apptest.PressKey(u.Window, fyne.KeyDelete)
	w.h.WaitText("Supprimer ce message ?")
	test.Tap(button(t, u.Window.Canvas(), "Supprimer"))
	w.h.WaitFor("the message gone from the list", func() bool { return m.Rows() == rows-1 })
	if d := w.session().Deleted(); len(d) != 1 {
		t.Fatalf("deleted %v", d)
	}
}

// Échap closes a dialog.
func TestEscapeClosesDialogs(t *testing.T) {
	w := start(t, options{})
	u := w.h.UI
	w.mailbox()
	u.ShowAbout()
	w.h.WaitText("À propos de Comptoir")
	apptest.PressKey(u.Window, fyne.KeyEscape)
	w.h.WaitFor("the dialog closed", func() bool { return u.Window.Canvas().Overlays().Top() == nil })
}

// button finds the visible button labelled text on c (dialogs included).
func button(t *testing.T, c fyne.Canvas, text string) *widget.Button {
	t.Helper()
	var found *widget.Button
	apptest.Walk(c, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			found = b
		}
	})
	if found == nil {
		t.Fatalf("no button «%s»", text)
	}
	return found
}
