package app

import (
	"context"
	"image"

	"comptoir/app/pdfview"
)

// pdfPages renders the pages of the PDF the preview shows.
type pdfPages interface {
	RenderPage(ctx context.Context, page int, dpi float64) (image.Image, int, error)
	Close() error
}

// pdfOpener is implemented by pdfview.Subprocess: one renderer child keeps the document while
// its pages are shown.
type pdfOpener interface {
	Open(pdf []byte) *pdfview.Document
}

// openPDF returns pdf's pages, rendered by r.
func openPDF(r PDFRenderer, pdf []byte) pdfPages {
	if o, ok := r.(pdfOpener); ok {
		return o.Open(pdf)
	}
	return renderEach{r, pdf}
}

// renderEach renders each page on its own, for a renderer without documents.
type renderEach struct {
	r   PDFRenderer
	pdf []byte
}

func (e renderEach) RenderPage(ctx context.Context, page int, dpi float64) (image.Image, int, error) {
	return e.r.RenderPage(ctx, e.pdf, page, dpi)
}

func (renderEach) Close() error { return nil }
