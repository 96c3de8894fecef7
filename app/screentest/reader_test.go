package screentest

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"

	"comptoir/app"
	"comptoir/app/apptest/memsession"
	"comptoir/mail"
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

// Folders the first sync finds show without choosing the BAL again.
func TestFoldersFoundBySyncShow(t *testing.T) {
	w := start(t, options{open: func(now time.Time) *memsession.Session {
		s := memsession.Pharmacy(now)
		s.SetFolders(memsession.ORG, []app.Folder{{Name: "INBOX"}}) // before the first sync
		return s
	}})
	m := w.mailbox()
	w.bal(memsession.ORG)
	if n := m.Folders.Length(); n != 1 {
		t.Fatalf("%d folders before the sync", n)
	}
	w.session().SetFolders(memsession.ORG, []app.Folder{{Name: "INBOX"}, {Name: "Sent", SpecialUse: `\Sent`}, {Name: "Trash", SpecialUse: `\Trash`}})
	w.session().Emit(mail.Synced{BAL: memsession.ORG})
	w.h.WaitFor("« Envoyés » and « Corbeille »", func() bool {
		var names []string
		for i := 0; i < m.Folders.Length(); i++ {
			names = append(names, m.FolderText(i))
		}
		return strings.Contains(strings.Join(names, "|"), "Envoyés|Corbeille")
	})
	if !strings.HasPrefix(m.FolderText(0), "Boîte de réception") || m.Row(0).Subject == "" {
		t.Fatal("the inbox is no longer the folder shown")
	}
}
