package app

import (
	"bytes"
	"context"
	"image"
	_ "image/jpeg" // photos of prescriptions
	_ "image/png"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// Preview shows an image or a PDF page inside the reader.
type Preview struct {
	Content      *fyne.Container
	Title        *widget.Label
	Image        *canvas.Image
	Page         *widget.Label // "Page 1 / 3"
	Prev, Next   *widget.Button
	Error        *widget.Label
	pageControls *fyne.Container

	u     *UI
	part  Part
	page  int
	pages int
	seq   int
}

func newPreview(u *UI) *Preview {
	t := u.tr.T
	p := &Preview{u: u}
	p.Title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	p.Image = canvas.NewImageFromImage(nil)
	p.Image.FillMode = canvas.ImageFillContain
	p.Image.SetMinSize(fyne.NewSize(420, 560))
	p.Page = widget.NewLabel("")
	p.Prev = widget.NewButton(t("preview.prev"), func() { p.render(p.page - 1) })
	p.Next = widget.NewButton(t("preview.next"), func() { p.render(p.page + 1) })
	p.pageControls = container.NewHBox(p.Prev, p.Page, p.Next)
	p.Error = widget.NewLabel("")
	p.Error.Importance = widget.WarningImportance
	p.Content = container.NewVBox(p.Title, p.pageControls, p.Error, p.Image)
	p.clear()
	return p
}

func previewKind(p Part) string {
	ct := strings.ToLower(p.ContentType)
	name := strings.ToLower(p.Name)
	switch {
	case strings.HasPrefix(ct, "image/png"), strings.HasPrefix(ct, "image/jpeg"),
		strings.HasSuffix(name, ".png"), strings.HasSuffix(name, ".jpg"), strings.HasSuffix(name, ".jpeg"):
		return "image"
	case ct == "application/pdf", strings.HasSuffix(name, ".pdf"):
		return "pdf"
	}
	return ""
}

func (p *Preview) clear() {
	p.seq++
	p.part = Part{}
	p.Image.Image = nil
	p.Image.Refresh()
	p.Content.Hide()
}

func (p *Preview) show(part Part) {
	p.part = part
	p.Title.SetText(part.Name)
	p.Error.Hide()
	p.Content.Show()
	switch previewKind(part) {
	case "image":
		p.pageControls.Hide()
		img, _, err := image.Decode(bytes.NewReader(part.Data))
		if err != nil {
			p.fail(err)
			return
		}
		p.setImage(img)
	case "pdf":
		p.pages = 0
		p.render(0)
	}
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
	p.seq++
	seq, data, pdf := p.seq, p.part.Data, p.u.deps.PDF
	ctx := p.u.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	p.Page.SetText(p.u.tr.T("preview.rendering"))
	go func() {
		img, pages, err := pdf.RenderPage(ctx, data, n, 96)
		p.u.deps.Do(func() {
			if seq != p.seq {
				return
			}
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

func (p *Preview) fail(err error) {
	if err != nil {
		p.u.log.Warn("preview", "err", err)
	}
	p.Image.Image = nil
	p.Image.Refresh()
	p.Error.SetText(p.u.tr.T("preview.unavailable"))
	p.Error.Show()
}
