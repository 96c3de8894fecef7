package screentest

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"comptoir/app"
	"comptoir/app/apptest"
	"comptoir/app/apptest/memsession"
	"comptoir/app/pdfview"
	"comptoir/app/pdfview/pdftest"
)

const subjectPages = "Compte rendu en trois pages"

// withPages is the pharmacy with a doctor's three-page report, and PDFium (in this process)
// to draw it.
func withPages(t *testing.T) options {
	r := pdfview.New(pdftest.CacheDir())
	t.Cleanup(func() { r.Close() })
	pdf := pdftest.Pages("Un", "Deux", "Trois")
	return options{
		open: func(now time.Time) *memsession.Session {
			s := memsession.Pharmacy(now)
			att := app.Attachment{Name: "compte-rendu.pdf", ContentType: "application/pdf", Size: int64(len(pdf))}
			s.Add(memsession.ORG, "INBOX", app.Message{Envelope: app.Envelope{MessageID: "pages@fauvel", Date: now.Add(-time.Hour),
				From: app.Address{Name: "Dr Antoine FAUVEL", Email: memsession.Doctor}, Subject: subjectPages,
				To: []app.Address{{Email: memsession.ORG}}, Attachments: []app.Attachment{att}},
				Text: "Bonjour,\n\nLe compte rendu.", Parts: []app.Part{{Attachment: att, Data: pdf}}})
			return s
		},
		deps: func(d *app.Deps) { d.PDF = r },
	}
}

// On a 1024×768 counter screen the preview's controls lie within the reader pane, the page
// fills its width, and each control says on hover what it does.
func TestPreviewControlsFitACounterScreen(t *testing.T) {
	w := start(t, withPages(t))
	u := w.h.UI
	w.mailbox()
	w.bal(memsession.ORG)
	u.Window.Resize(fyne.NewSize(screenW-frameW, screenH-taskbar-frameH-menuBar))
	w.open(subjectPages)
	pv := u.Main.Reader.Preview
	w.h.WaitFor("page 1", func() bool { return pv.Page.Text == "Page 1 / 3" && pv.Image.Image != nil && !pv.Rendering() })
	w.layout()
	pane := u.Main.Reader.Content
	left := apptest.AbsolutePosition(pane).X
	right := left + pane.Size().Width
	t.Logf("the reader pane spans %.0f to %.0f px", left, right)
	for _, b := range pv.Buttons() {
		at := apptest.AbsolutePosition(b)
		if !b.Visible() || at.X < left || at.X+b.Size().Width > right {
			t.Errorf("« %s » at %.0f–%.0f px, outside the pane (%.0f–%.0f)", b.Tip, at.X, at.X+b.Size().Width, left, right)
		}
	}
	for _, l := range []fyne.CanvasObject{pv.Page, pv.Zoom} {
		if at := apptest.AbsolutePosition(l); at.X < left || at.X+l.Size().Width > right {
			t.Errorf("a toolbar label at %.0f–%.0f px, outside the pane", at.X, at.X+l.Size().Width)
		}
	}
	if view := pv.View.Size().Width; pv.Image.Size().Width != view || view < pane.Size().Width-40 {
		t.Errorf("the page is %.0f px wide in a view of %.0f, a pane of %.0f", pv.Image.Size().Width, view, pane.Size().Width)
	}
	next := pv.Buttons()[1]
	test.MoveMouse(u.Window.Canvas(), apptest.AbsolutePosition(next).Add(fyne.NewPos(5, 5)))
	w.h.WaitFor("« Page suivante » on hover", func() bool {
		return strings.Contains(strings.Join(u.Main.Tooltip(), "\n"), "Page suivante")
	})
	test.Tap(next)
	w.h.WaitFor("page 2", func() bool { return pv.Page.Text == "Page 2 / 3" && !pv.Rendering() })
}
