package demo_test

import (
	"image"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"comptoir/app"
	"comptoir/app/pdfview/pdftest"
	"comptoir/cmd/mss-sandbox/sandbox"
)

// toolButton is the preview's button whose tooltip is tip.
func toolButton(t *testing.T, pv *app.Preview, tip string) *app.ToolButton {
	t.Helper()
	for _, b := range pv.Buttons() {
		if b.Tip == tip {
			return b
		}
	}
	t.Fatalf("no « %s » in the preview", tip)
	return nil
}

// A doctor's three-page report and a document whose second page is a bomb, paged through in
// the reader with the renderer in child processes, as the application runs it: one child
// renders all the pages of a document; moving on while a page renders, or selecting another
// message, kills its child; the other pages still show.
func TestPreviewPagesEndToEnd(t *testing.T) {
	r := startHostile(t)
	h := r.h
	openMail(t, h)
	selectBAL(t, h, pharmacy)
	seed := sandbox.Seed(sandbox.DefaultDomain)
	send := func(subject string, pdf []byte) {
		t.Helper()
		raw := buildMessage("Dr Antoine FAUVEL <"+seed.Doctor+">", seed.Pharmacy, subject, "", []mimePart{
			{ctype: "text/plain", data: []byte("Bonjour, voici le compte rendu.\r\n")},
			{ctype: "application/pdf", name: "compte-rendu.pdf", data: pdf}})
		if err := submitAsDoctor(t, raw); err != nil {
			t.Fatalf("%s: %v", subject, err)
		}
	}
	send("Aperçu : trois pages", pdftest.Pages("Un", "Deux", "Trois"))
	send("Aperçu : page piégée", pdftest.FormBombOnPage(3, 1, 24))
	pv := h.UI.Main.Reader.Preview
	showing := func(label string, not image.Image) func() bool {
		return func() bool {
			return pv.Page.Text == label && !pv.Rendering() && pv.Image.Image != nil && pv.Image.Image != not
		}
	}

	r.selectRow("Aperçu : trois pages")
	h.WaitForWithin("page 1", previewWait, showing("Page 1 / 3", nil))
	child := r.lastPID()
	renders := len(r.pids)
	page1 := pv.Image.Image
	test.Tap(toolButton(t, pv, "Page suivante"))
	h.WaitForWithin("page 2", previewWait, showing("Page 2 / 3", page1))
	test.Tap(pv.Surface) // the page takes the keyboard
	h.UI.Window.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyPageDown})
	h.WaitForWithin("page 3", previewWait, showing("Page 3 / 3", page1))
	r.mu.Lock()
	for _, pid := range r.pids[renders-1:] {
		if pid != child {
			t.Errorf("the pages were rendered by processes %v, want one", r.pids[renders-1:])
		}
	}
	r.mu.Unlock()

	// The bomb on page 2: « Page suivante » again while it renders moves on and kills its
	// child; page 3 comes from another.
	r.selectRow("Aperçu : page piégée")
	h.WaitForWithin("the trapped document's page 1", previewWait, showing("Page 1 / 3", nil))
	r.waitGone(child) // the previous document's child: gone with its message
	child = r.lastPID()
	r.mu.Lock()
	renders = len(r.pids)
	r.mu.Unlock()
	test.Tap(toolButton(t, pv, "Page suivante"))
	h.WaitForWithin("page 2 asked of the child", previewWait, func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return len(r.pids) > renders
	})
	if pv.Page.Text != "Page 2 / 3" {
		t.Fatalf("while page 2 renders, the label says %q", pv.Page.Text)
	}
	test.Tap(toolButton(t, pv, "Page suivante"))
	r.waitGone(child)
	h.WaitForWithin("page 3", previewWait, showing("Page 3 / 3", nil))
	if r.lastPID() == child {
		t.Fatalf("page 3 was asked of the killed child %d: %v", child, r.pids)
	}

	// Back to the bomb, then another message: its child is killed too.
	test.Tap(toolButton(t, pv, "Page précédente"))
	child = r.lastPID()
	h.WaitFor("page 2 again", func() bool { return pv.Page.Text == "Page 2 / 3" })
	r.selectRow("Aperçu : trois pages")
	r.waitGone(child)
	h.WaitForWithin("the report's page 1", previewWait, showing("Page 1 / 3", nil))
	if strings.Contains(pv.Error.Text, "trop") && pv.Error.Visible() {
		t.Fatalf("the report shows %q", pv.Error.Text)
	}
}
