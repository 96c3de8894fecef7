package apptest

import (
	"context"
	"fmt"

	"comptoir/app/pdfview"
	"comptoir/app/pdfview/pdftest"
)

// WarmPDFium compiles PDFium into pdftest.CacheDir. A package whose tests render PDFs calls it from
// TestMain, with no deadline: on a fresh clone the compilation takes over 20 s under -race,
// which a test waiting for « Page 1 / 3 » would otherwise spend.
func WarmPDFium() error {
	r := pdfview.New(pdftest.CacheDir())
	defer r.Close()
	if err := r.Warm(context.Background()); err != nil {
		return fmt.Errorf("apptest: compile PDFium: %w", err)
	}
	return nil
}
