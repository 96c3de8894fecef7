package screentest

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"

	"comptoir/app"
	"comptoir/app/apptest"
	"comptoir/app/apptest/memsession"
)

// A click on a row opens its message, as the desktop driver delivers it: the row, which
// takes right clicks (its menu), must take left clicks too, or the list never selects it.
func TestClickOnARowOpensIt(t *testing.T) {
	w := start(t, options{})
	m := w.mailbox()
	w.bal(memsession.ORG)
	w.layout()
	i := w.row(memsession.SubjectStock)
	m.List.ScrollTo(i)
	w.layout()
	var pos fyne.Position
	found := false
	apptest.Walk(w.h.UI.Window.Canvas(), func(o fyne.CanvasObject) {
		if l, ok := o.(*app.RowText); ok && !found && l.Text == memsession.SubjectStock {
			pos, found = apptest.AbsolutePosition(o).Add(fyne.NewPos(o.Size().Width/2, o.Size().Height/2)), true
		}
	})
	if !found {
		t.Fatalf("no row shows %q", memsession.SubjectStock)
	}
	if !apptest.Click(w.h.UI.Window.Canvas(), pos) {
		t.Fatal("the click on the row tapped nothing")
	}
	w.h.WaitFor("the reader on the clicked message", func() bool {
		return strings.Contains(m.Reader.Subject.Text, memsession.SubjectStock) && m.Reader.Subject.Visible()
	})
	if f := w.h.UI.Window.Canvas().Focused(); f != m.List {
		t.Errorf("after the click the focus is on %T, not the list (the arrow keys would not move in it)", f)
	}
}
