package screentest

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"

	"comptoir/app/apptest/memsession"
)

// readerScroll is the reader pane's scroll container.
func readerScroll(t *testing.T, w *world) *container.Scroll {
	t.Helper()
	var found *container.Scroll
	var find func(o fyne.CanvasObject)
	find = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *container.Scroll:
			if found == nil {
				found = x
			}
		case *fyne.Container:
			for _, c := range x.Objects {
				find(c)
			}
		}
	}
	find(w.h.UI.Main.Reader.Content)
	if found == nil {
		t.Fatal("the reader has no scroll container")
	}
	return found
}

// Each message opens at its top, whatever the previous one's scroll position.
func TestMessageOpensAtTheTop(t *testing.T) {
	w := start(t, options{})
	w.mailbox()
	w.bal(memsession.ORG)
	w.open(memsession.SubjectLong)
	s := readerScroll(t, w)
	w.layout()
	s.ScrollToBottom()
	w.h.Drain()
	if s.Offset.Y < 100 {
		t.Fatalf("the long message does not scroll (offset %.0f)", s.Offset.Y)
	}
	w.open(memsession.SubjectStock)
	if s.Offset.Y != 0 {
		t.Fatalf("the next message opens scrolled down by %.0f px", s.Offset.Y)
	}
}

// After changing folder no row stays highlighted: clicking the first row of the new folder
// opens it.
func TestNoStaleHighlightAfterFolderChange(t *testing.T) {
	w := start(t, options{})
	m := w.mailbox()
	w.bal(memsession.ORG)
	w.open(m.Row(0).Subject)
	sent := -1
	for i := 0; i < m.Folders.Length(); i++ {
		if m.FolderText(i) == "Envoyés" {
			sent = i
		}
	}
	if sent < 0 {
		t.Fatal("no « Envoyés » folder")
	}
	m.Folders.Select(sent)
	w.h.WaitFor("the sent folder", func() bool { return m.Rows() == 1 })
	m.List.Select(0)
	w.h.WaitFor("the sent message in the reader", func() bool { return m.Reader.Subject.Text == "Re: Préparation magistrale" })
}
