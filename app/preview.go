package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // photos of prescriptions
	_ "image/png"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"comptoir/app/pdfview"
)

// MaxImagePixels bounds the images the preview decodes (40 Mpx: a 4 MB PNG may declare
// 65535×65535 pixels, 16 GiB once decoded).
const MaxImagePixels = 40_000_000

// Preview shows an image or a PDF page inside the reader, fitted to the pane's width, with
// page navigation, zoom and quarter turns (preview_controls.go, preview_view.go). Images are
// decoded, pages rendered and turned off the UI goroutine; selecting another page, part or
// message cancels the work under way (a PDF's renderer process is killed).
type Preview struct {
	// shown is called on the UI goroutine each time an image is shown (the reader scrolls
	// to it after « Aperçu »); nil: nothing.
	shown func()

	Content *fyne.Container
	Title   *widget.Label
	Image   *canvas.Image   // the page or photo as shown (turned)
	View    *previewView    // the image at its zoom, panned sideways when wider than the pane
	Surface *previewSurface // the image under the pointer; takes the keyboard when tapped
	Page    *widget.Label   // "Page 1 / 3"
	Zoom    *widget.Label   // "100 %"
	Error   *widget.Label

	Prev, Next, ZoomOut, ZoomIn, FitWidth, Rotate *ToolButton

	pageControls, zoomControls *fyne.Container

	u          *UI
	part       Part
	doc        pdfPages // the PDF shown; nil for an image
	page       int      // from 0
	pages      int      // 0 while unknown
	zoom       int      // percent of the pane's width
	turn       int      // quarter turns clockwise
	raw        image.Image
	dpi        float64 // raw's resolution (a PDF page)
	capped     bool    // raw is as sharp as the renderer makes this page
	busy       bool    // a page render is under way
	seq        int
	cancel     context.CancelFunc // of the decode or render under way
	turnSeq    int
	turnCancel context.CancelFunc // of the turn under way

	toolbar       *fyne.Container
	sharpenQueued bool
}

func newPreview(u *UI) *Preview {
	p := &Preview{u: u, zoom: fitZoom}
	p.Title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	p.Title.Truncation = fyne.TextTruncateEllipsis
	p.Image = canvas.NewImageFromImage(nil)
	p.Image.FillMode = canvas.ImageFillStretch // the view gives it the image's proportions
	p.View = newPreviewView(p)
	p.Surface = p.View.surface
	p.newPreviewControls()
	p.Error = widget.NewLabel("")
	p.Error.Importance = widget.WarningImportance
	p.Error.Wrapping = fyne.TextWrapWord
	p.Content = container.NewVBox(p.Title, p.toolbar, p.Error, p.View)
	p.clear()
	return p
}

// PDFWarmer is optionally implemented by Deps.PDF: Warm prepares the renderer (compiling
// PDFium on the first launch after installation) so that the first preview does not wait.
type PDFWarmer interface {
	Warm(ctx context.Context) error
}

// warmPDF warms the PDF renderer in the background.
func (u *UI) warmPDF() {
	w, ok := u.deps.PDF.(PDFWarmer)
	if !ok {
		return
	}
	go func() {
		if err := w.Warm(u.ctx); err != nil && u.ctx.Err() == nil {
			u.log.Warn("pdf renderer warm-up", "err", err)
		}
	}()
}

// previewKind is "image" or "pdf" for a part the preview shows, from its sniffed content.
func previewKind(p Part) string {
	switch p.sniff().kind {
	case kindPNG, kindJPEG:
		return "image"
	case kindPDF:
		return "pdf"
	}
	return ""
}

// stop cancels the decode, render or turn under way and makes its late result void.
func (p *Preview) stop() {
	p.seq++
	p.busy = false
	if p.cancel != nil {
		p.cancel()
		p.cancel = nil
	}
	p.stopTurn()
}

func (p *Preview) stopTurn() {
	p.turnSeq++
	if p.turnCancel != nil {
		p.turnCancel()
		p.turnCancel = nil
	}
}

// begin starts new background work: the previous one is cancelled.
func (p *Preview) begin() (context.Context, int) {
	p.stop()
	ctx, cancel := context.WithCancel(p.parentCtx())
	p.cancel = cancel
	return ctx, p.seq
}

func (p *Preview) parentCtx() context.Context {
	if p.u.ctx != nil {
		return p.u.ctx
	}
	return context.Background()
}

// reset forgets the document shown, closing its renderer.
func (p *Preview) reset() {
	p.stop()
	if p.doc != nil {
		go p.doc.Close() // once its render, cancelled above, has returned
		p.doc = nil
	}
	p.part = Part{}
	p.page, p.pages, p.turn, p.zoom = 0, 0, 0, fitZoom
	p.raw, p.dpi, p.capped = nil, 0, false
	p.setShown(nil)
}

func (p *Preview) clear() {
	p.reset()
	p.Content.Hide()
}

func (p *Preview) show(part Part) {
	p.reset()
	p.part = part
	p.Title.SetText(clip(cleanName(part.Name), maxSubjectRunes))
	p.Error.Hide()
	p.Content.Show()
	switch previewKind(part) {
	case "image":
		p.showControls()
		p.decode()
	case "pdf":
		if p.u.deps.PDF == nil {
			p.showControls()
			p.fail(nil)
			return
		}
		p.doc = openPartPDF(p.u.deps.PDF, part) // a part in the cache is read at the first render
		p.render(0, firstPageDPI)
	}
}

// decode decodes the current image off the UI goroutine.
func (p *Preview) decode() {
	ctx, seq := p.begin()
	part := p.part
	go func() {
		data, err := part.content(ctx) // read from the cache now, not when the message was
		var img image.Image
		if err == nil {
			img, err = decodeImage(ctx, data)
		}
		p.u.deps.Do(func() {
			if seq != p.seq {
				return
			}
			p.cancel = nil
			if err != nil {
				p.fail(err)
				return
			}
			p.raw = img
			p.showTurned()
		})
	}()
}

// errImageTooLarge reports an image over MaxImagePixels.
type errImageTooLarge struct{ w, h int }

func (e errImageTooLarge) Error() string {
	return fmt.Sprintf("app: image of %dx%d pixels over %d", e.w, e.h, MaxImagePixels)
}

// decodeImage reads the image's declared size first and refuses one over MaxImagePixels
// before anything is allocated for its pixels.
func decodeImage(ctx context.Context, data []byte) (image.Image, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("app: image header: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxImagePixels {
		return nil, errImageTooLarge{cfg.Width, cfg.Height}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("app: image: %w", err)
	}
	return img, nil
}

// firstPageDPI is the resolution of a document's first page: quick to draw and enough for
// most panes; a wider pane or a zoom asks for a sharper render afterwards (sharpen).
const firstPageDPI = 96

// goTo shows page n of the PDF, if it has one.
func (p *Preview) goTo(n int) {
	p.u.touch()
	if p.doc == nil || n < 0 || n >= p.pages || (n == p.page && (p.busy || p.raw != nil)) {
		return
	}
	p.render(n, max(p.dpi, firstPageDPI))
}

// render draws page n of the current PDF at dpi off the UI goroutine. The page shown stays,
// dimmed, until the new one comes.
func (p *Preview) render(n int, dpi float64) {
	ctx, seq := p.begin()
	p.busy = true
	sharper := n == p.page && p.raw != nil
	if !sharper {
		// Another page: the one shown stays, dimmed, until it comes.
		p.raw, p.capped = nil, false
		p.Image.Translucency = 0.5
		p.Image.Refresh()
	}
	p.page = n
	p.showControls()
	doc := p.doc
	go func() {
		img, pages, err := doc.RenderPage(ctx, n, dpi)
		p.u.deps.Do(func() {
			if seq != p.seq {
				return
			}
			p.cancel, p.busy = nil, false
			if pages > 0 {
				p.pages = pages
			}
			p.showControls()
			if err != nil && sharper {
				// The page stays as it was rendered: only the sharper copy failed.
				p.u.log.Warn("preview: sharper page", "err", err)
				p.capped = true
				p.showTurned() // a turn the render interrupted
				return
			}
			if err != nil {
				p.fail(err)
				return
			}
			p.Error.Hide()
			if p.raw != nil && dpi > p.dpi && img.Bounds().Dx() <= p.raw.Bounds().Dx()*21/20 {
				p.capped = true // asked sharper, got no more pixels: the renderer's limits
			}
			p.raw, p.dpi = img, dpi
			p.showTurned()
		})
	}()
}

// Rendering reports whether a page is being rendered (the one shown, if any, is dimmed).
func (p *Preview) Rendering() bool { return p.busy }

// viewResized is called by the view when the pane's width changes, during a layout: the
// sharper render it may need is asked once the layout is done.
func (p *Preview) viewResized() {
	if p.sharpenQueued {
		return
	}
	p.sharpenQueued = true
	p.u.deps.Do(func() {
		p.sharpenQueued = false
		p.sharpen()
	})
}

// sharpen renders the page shown again, sharper, when the zoom or the pane's width ask for
// more pixels than it has (once per resolution step; never while a render is under way).
func (p *Preview) sharpen() {
	if p.doc == nil || p.busy || p.raw == nil || p.capped {
		return
	}
	b := p.raw.Bounds()
	across := b.Dx()
	if p.turn%2 == 1 {
		across = b.Dy()
	}
	if dpi := sharperDPI(p.dpi, across, p.View.pixelsAcross()); dpi > 0 {
		p.render(p.page, dpi)
	}
}

// rotate turns the image a quarter clockwise (a prescription photographed sideways).
func (p *Preview) rotate() {
	p.u.touch()
	p.turn = (p.turn + 1) % 4
	p.showTurned()
}

// showTurned shows raw at the current turn; turning a large image is done off the UI
// goroutine.
func (p *Preview) showTurned() {
	p.stopTurn()
	raw, turn := p.raw, p.turn
	if raw == nil {
		return
	}
	if turn == 0 {
		p.setShown(raw)
		return
	}
	ctx, cancel := context.WithCancel(p.parentCtx())
	p.turnCancel = cancel
	seq := p.turnSeq
	go func() {
		img := turnImage(ctx, raw, turn)
		p.u.deps.Do(func() {
			if seq != p.turnSeq || img == nil {
				return
			}
			p.turnCancel = nil
			p.setShown(img)
		})
	}()
}

// setShown puts img on screen (nil: none) at the current zoom.
func (p *Preview) setShown(img image.Image) {
	p.Image.Image = img
	p.Image.Translucency = 0
	p.View.Refresh()
	p.Image.Refresh()
	p.showControls()
	p.sharpen()
	if p.shown != nil {
		p.shown()
	}
}

// fail says in French why the preview is not shown; err goes to the log.
func (p *Preview) fail(err error) {
	if err != nil {
		p.u.log.Warn("preview", "err", err)
	}
	p.stopTurn()
	p.raw = nil
	p.setShown(nil)
	p.Error.SetText(p.problem(err))
	p.Error.Show()
}

func (p *Preview) problem(err error) string {
	t := p.u.tr.T
	var big errImageTooLarge
	switch {
	case errors.Is(err, errPartUnreadable):
		return t("part.unreadable")
	case errors.As(err, &big):
		return t("preview.image.toolarge", big.w, big.h)
	case errors.Is(err, pdfview.ErrTimeout):
		return t("preview.pdf.timeout")
	case errors.Is(err, pdfview.ErrResources), errors.Is(err, pdfview.ErrPageTooLarge), errors.Is(err, pdfview.ErrTooLarge):
		return t("preview.pdf.resources")
	case errors.Is(err, pdfview.ErrInvalid):
		return t("preview.pdf.invalid")
	case err != nil && previewKind(p.part) == "image":
		return t("preview.image.invalid")
	}
	return t("preview.unavailable")
}
