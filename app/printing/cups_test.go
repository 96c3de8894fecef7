//go:build !windows

package printing_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"comptoir/app/printing"
	"comptoir/app/printing/printingtest"
)

func TestCUPSPrintersAndJob(t *testing.T) {
	dir := printingtest.FakeCUPS(t, []string{"Bureau", "Accueil"}, "Accueil")
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH")) // the fake first
	var sys printing.System = printing.CUPS{}
	list, err := sys.Printers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0] != (printing.Printer{Name: "Accueil", Default: true}) || list[1].Name != "Bureau" {
		t.Fatalf("printers: %+v", list)
	}
	doc := filepath.Join(t.TempDir(), "ordonnance.pdf")
	if err := os.WriteFile(doc, []byte("%PDF-1.4 ordonnance"), 0o600); err != nil {
		t.Fatal(err)
	}
	job, err := sys.Print(context.Background(), doc, "Bureau", "Comptoir")
	if err != nil {
		t.Fatal(err)
	}
	if job != (printing.Job{Printer: "Bureau", ID: "Bureau-7"}) {
		t.Fatalf("job %+v", job)
	}
	printed, _ := os.ReadFile(filepath.Join(dir, "printed"))
	printer, _ := os.ReadFile(filepath.Join(dir, "printer"))
	title, _ := os.ReadFile(filepath.Join(dir, "title"))
	if string(printed) != "%PDF-1.4 ordonnance" || strings.TrimSpace(string(printer)) != "Bureau" || strings.TrimSpace(string(title)) != "Comptoir" {
		t.Fatalf("lp got %q on %q titled %q", printed, printer, title)
	}
	// The default printer when none is named.
	if job, err := sys.Print(context.Background(), doc, "", ""); err != nil || job.Printer != "Accueil" {
		t.Fatalf("default printer job %+v %v", job, err)
	}
	// A printer removed meanwhile.
	if _, err := sys.Print(context.Background(), doc, "Disparue", ""); !errors.Is(err, printing.ErrNoPrinter) {
		t.Fatalf("unknown printer: %v", err)
	}
}

func TestCUPSMissingOrEmpty(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no lp, no lpstat: CUPS not installed
	_, err := printing.CUPS{}.Printers(context.Background())
	if !errors.Is(err, printing.ErrNoPrintSystem) {
		t.Fatalf("without CUPS: %v", err)
	}
	if msg := printing.UserMessage(err); !strings.Contains(msg, "aucun système d'impression") {
		t.Fatalf("French message %q", msg)
	}
	if _, err := (printing.CUPS{}).Print(context.Background(), "/nonexistent", "", ""); !errors.Is(err, printing.ErrNoPrintSystem) {
		t.Fatalf("print without CUPS: %v", err)
	}
	t.Setenv("PATH", printingtest.FakeCUPS(t, nil, "")+string(os.PathListSeparator)+"/usr/bin:/bin")
	if _, err := (printing.CUPS{}).Printers(context.Background()); !errors.Is(err, printing.ErrNoPrinter) {
		t.Fatalf("no printer: %v", err)
	}
}
