//go:build !windows

package demo_test

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"comptoir/app/apptest"
	"comptoir/app/printing/printingtest"
	"comptoir/cps/cpstest"
)

// Issue 17: « Imprimer » prints (it only opened the external viewer). CUPS is an
// operating-system service that a test cannot run: fake lp and lpstat on PATH answer as
// CUPS's do and record what they were given (see printingtest). The printer is chosen (the
// default one first), the job goes out with the document's bytes and a neutral title, and
// the status bar gives the job id.
func TestPrintThePrescription(t *testing.T) {
	dir := printingtest.FakeCUPS(t, []string{"Bureau", "Comptoir-Accueil"}, "Comptoir-Accueil")
	printingtest.OnPath(t, dir)
	h := openBAL(t, cpstest.Titulaire.Label, pharmacy)
	openRow(t, h, "Ordonnance pour ce soir")
	h.WaitText("ordonnance.pdf")
	r := h.UI.Main.Reader
	var pdf, photo int = -1, -1
	for i, a := range r.Attachments {
		switch {
		case strings.Contains(a.Name.Text, "ordonnance.pdf"):
			pdf = i
		case strings.Contains(a.Name.Text, "photo_ordonnance.jpg"):
			photo = i
		}
	}
	if pdf < 0 || photo < 0 {
		t.Fatal("the prescription's attachments are not listed")
	}
	row := r.Attachments[pdf]
	test.Tap(row.Print)
	pd := row.PrintDialog
	if pd == nil {
		t.Fatal("« Imprimer » opened no print dialog")
	}
	h.WaitFor("the printers", func() bool { return !pd.PrintButton.Disabled() })
	if got := pd.Printers.Selected; got != "Comptoir-Accueil (par défaut)" {
		t.Fatalf("preselected printer %q, want the default one", got)
	}
	pd.Printers.SetSelected("Bureau")
	test.Tap(pd.PrintButton)
	h.WaitText("Impression envoyée à Bureau (travail Bureau-7).")
	printer, title, data := printingtest.Submitted(dir)
	pdfData := rowData(t, h, pdf)
	if printer != "Bureau" || title != "Comptoir" || !bytes.Equal(data, pdfData) || !bytes.HasPrefix(data, []byte("%PDF-")) {
		t.Fatalf("lp got printer %q, title %q, %d bytes (the PDF has %d)", printer, title, len(data), len(pdfData))
	}
	// The photo prints too (an image Comptoir shows).
	test.Tap(r.Attachments[photo].Print)
	pd = r.Attachments[photo].PrintDialog
	h.WaitFor("the printers", func() bool { return pd != nil && !pd.PrintButton.Disabled() })
	test.Tap(pd.PrintButton)
	h.WaitText("Impression envoyée à Comptoir-Accueil (travail Comptoir-Accueil-7).")
}

// rowData reads back the bytes of the reader's attachment i, as the session gives them.
func rowData(t *testing.T, h *apptest.Harness, i int) []byte {
	t.Helper()
	m := h.UI.Main
	msg, err := m.Session().Open(t.Context(), m.Reader.Message().Ref, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := msg.Parts[i]
	if p.Source == nil {
		return p.Data
	}
	rc, err := p.Source.Open(t.Context()) // the part stays in the cache until read
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Without CUPS the user is told so, in French, in the print dialog; nothing is printed.
func TestPrintWithoutCUPS(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no lp, no lpstat
	h := openBAL(t, cpstest.Titulaire.Label, pharmacy)
	openRow(t, h, "Ordonnance pour ce soir")
	h.WaitText("ordonnance.pdf")
	row := h.UI.Main.Reader.Attachments[0]
	test.Tap(row.Print)
	pd := row.PrintDialog
	h.WaitFor("why printing is impossible", func() bool {
		return pd != nil && strings.Contains(pd.Status.Text, "aucun système d'impression n'est installé sur ce poste (CUPS)")
	})
	if !pd.PrintButton.Disabled() {
		t.Fatal("« Imprimer » stays enabled without a printing system")
	}
}
