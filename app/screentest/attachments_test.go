package screentest

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"comptoir/app"
	"comptoir/app/apptest"
	"comptoir/app/apptest/memsession"
	"comptoir/mail"
)

// On a 1024×768 screen each attachment's name shows whole beside its icon: the four buttons
// (Aperçu, Ouvrir, Enregistrer, Imprimer) once left it « … » only.
func TestAttachmentNamesShowOn1024(t *testing.T) {
	w := start(t, options{})
	m := w.mailbox()
	w.h.UI.FitScreen(fyne.NewSize(1024, 728)) // 1024×768 less a taskbar
	w.bal(memsession.ORG)
	w.open(memsession.SubjectOrder)
	w.layout()
	rows := m.Reader.Attachments
	if len(rows) == 0 {
		t.Fatal("no attachment rows")
	}
	for _, r := range rows {
		if apptest.Clipped(r.Name) {
			t.Errorf("the attachment row shows %q of %q", apptest.Shown(r.Name), r.Name.Text)
		}
	}
}

// An INS in the list shows whole or not at all, also after the list is drawn again (a
// change reported by the engine rebinds every row): the label the layout had emptied for
// want of room once got its text back without the room, and overflowed onto the date.
func TestINSNeverOverflowsAfterARebind(t *testing.T) {
	w := start(t, options{})
	m := w.mailbox()
	w.h.UI.FitScreen(fyne.NewSize(1024, 728))
	w.bal(memsession.ORG)
	w.open(memsession.SubjectOrder)
	w.layout()
	// The rebind comes without a resize: no layout pass follows it.
	w.session().Emit(mail.Changed{BAL: memsession.ORG, Folder: "INBOX"})
	w.h.Drain()
	n := 0
	apptest.Walk(w.h.UI.Window.Canvas(), func(o fyne.CanvasObject) {
		l, ok := o.(*app.RowText)
		if !ok || !strings.HasPrefix(l.Text, "INS ") || !inside(o, m.List) {
			return
		}
		shown := apptest.Shown(l)
		if shown == "" {
			return // left out for want of room
		}
		n++
		need := fyne.MeasureText(shown, theme.TextSize(), l.TextStyle).Width + 2*theme.InnerPadding()
		if shown != l.Text || need > l.Size().Width+0.5 {
			t.Errorf("the list shows %q as %q in %.0f px: it needs %.0f", l.Text, shown, l.Size().Width, need)
		}
	})
	if n == 0 {
		t.Log("no INS had room in the list (all left out)")
	}
}
