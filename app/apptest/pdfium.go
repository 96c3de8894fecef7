package apptest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"comptoir/app/pdfview"
)

// PDFCache is the PDFium compilation cache the tests share: one compilation per machine.
func PDFCache() string { return filepath.Join(os.TempDir(), "comptoir-pdfium-cache") }

// WarmPDFium compiles PDFium into PDFCache. A package whose tests render PDFs calls it from
// TestMain, with no deadline: on a fresh clone the compilation takes over 20 s under -race,
// which a test waiting for « Page 1 / 3 » would otherwise spend.
func WarmPDFium() error {
	r := pdfview.New(PDFCache())
	defer r.Close()
	if err := r.Warm(context.Background()); err != nil {
		return fmt.Errorf("apptest: compile PDFium: %w", err)
	}
	return nil
}
