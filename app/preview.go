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

// Preview shows an image or a PDF page inside the reader. Images are decoded and pages
// rendered off the UI goroutine; selecting another part or message cancels the work under
// way (a PDF's renderer process is killed).
type Preview struct {
	Content      *fyne.Container
	Title        *widget.Label
	Image        *canvas.Image
	Page         *widget.Label // "Page 1 / 3"
	Prev, Next   *widget.Button
	Error        *widget.Label
	pageControls *fyne.Container

	u      *UI
	part   Part
	page   int
	pages  int
	seq    int
	cancel context.CancelFunc // of the decode or render under way
}

func newPreview(u *UI) *Preview {
	t := u.tr.T
	p := &Preview{u: u}
	p.Title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	p.Title.Truncation = fyne.TextTruncateEllipsis
	p.Image = canvas.NewImageFromImage(nil)
	p.Image.FillMode = canvas.ImageFillContain
	p.Image.SetMinSize(fyne.NewSize(420, 560))
	p.Page = widget.NewLabel("")
	p.Prev = widget.NewButton(t("preview.prev"), func() { p.render(p.page - 1) })
	p.Next = widget.NewButton(t("preview.next"), func() { p.render(p.page + 1) })
	p.pageControls = container.NewHBox(p.Prev, p.Page, p.Next)
	p.Error = widget.NewLabel("")
	p.Error.Importance = widget.WarningImportance
	p.Error.Wrapping = fyne.TextWrapWord
	p.Content = container.NewVBox(p.Title, p.pageControls, p.Error, p.Image)
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
	switch sniffKind(p.Data) {
	case kindPNG, kindJPEG:
		return "image"
	case kindPDF:
		return "pdf"
	}
	return ""
}

// stop cancels the decode or render under way and makes its late result void.
func (p *Preview) stop() {
	p.seq++
	if p.cancel != nil {
		p.cancel()
		p.cancel = nil
	}
}

// begin starts new background work: the previous one is cancelled.
func (p *Preview) begin() (context.Context, int) {
	p.stop()
	parent := p.u.ctx
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithCancel(parent)
	p.cancel = cancel
	return ctx, p.seq
}

func (p *Preview) clear() {
	p.stop()
	p.part = Part{}
	p.Image.Image = nil
	p.Image.Refresh()
	p.Content.Hide()
}

func (p *Preview) show(part Part) {
	p.stop()
	p.part = part
	p.Title.SetText(clip(cleanName(part.Name), maxSubjectRunes))
	p.Error.Hide()
	p.Image.Image = nil
	p.Image.Refresh()
	p.Content.Show()
	switch previewKind(part) {
	case "image":
		p.pageControls.Hide()
		p.decode()
	case "pdf":
		p.pages = 0
		p.render(0)
	}
}

// decode decodes the current image off the UI goroutine.
func (p *Preview) decode() {
	ctx, seq := p.begin()
	data := p.part.Data
	go func() {
		img, err := decodeImage(ctx, data)
		p.u.deps.Do(func() {
			if seq != p.seq {
				return
			}
			p.cancel = nil
			if err != nil {
				p.fail(err)
				return
			}
			p.setImage(img)
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

// render draws page n of the current PDF off the UI goroutine.
func (p *Preview) render(n int) {
	if previewKind(p.part) != "pdf" || n < 0 || (p.pages > 0 && n >= p.pages) {
		return
	}
	p.u.touch()
	if p.u.deps.PDF == nil {
		p.pageControls.Hide()
		p.fail(nil)
		return
	}
	ctx, seq := p.begin()
	data, pdf := p.part.Data, p.u.deps.PDF
	p.Page.SetText(p.u.tr.T("preview.rendering"))
	p.pageControls.Show()
	p.Prev.Hide()
	p.Next.Hide()
	go func() {
		img, pages, err := pdf.RenderPage(ctx, data, n, 96)
		p.u.deps.Do(func() {
			if seq != p.seq {
				return
			}
			p.cancel = nil
			if err != nil {
				p.pageControls.Hide()
				p.fail(err)
				return
			}
			p.page, p.pages = n, pages
			p.Page.SetText(p.u.tr.T("preview.page", n+1, pages))
			show(p.pageControls, pages > 0)
			show(p.Prev, n > 0)
			show(p.Next, n+1 < pages)
			p.setImage(img)
		})
	}()
}

func (p *Preview) setImage(img image.Image) {
	p.Image.Image = img
	p.Image.Refresh()
}

// fail says in French why the preview is not shown; err goes to the log.
func (p *Preview) fail(err error) {
	if err != nil {
		p.u.log.Warn("preview", "err", err)
	}
	p.Image.Image = nil
	p.Image.Refresh()
	p.Error.SetText(p.problem(err))
	p.Error.Show()
}

func (p *Preview) problem(err error) string {
	t := p.u.tr.T
	var big errImageTooLarge
	switch {
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
