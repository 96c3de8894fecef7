package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// zoomSteps are the preview's zooms, in percent of the pane's width (100: fit to width, the
// default). The same steps serve a PDF page and a photo of any resolution.
var zoomSteps = []int{50, 75, 100, 125, 150, 200}

const fitZoom = 100

// The toolbar's own icons (Material Design, like Fyne's; Apache 2.0).
var (
	rotateIcon = theme.NewThemedResource(fyne.NewStaticResource("rotate-right.svg", []byte(
		`<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24"><path d="M15.55 5.55L11 1v3.07C7.06 4.56 4 7.92 4 12s3.05 7.44 7 7.93v-2.02c-2.84-.48-5-2.94-5-5.91s2.16-5.43 5-5.91V10l4.55-4.45zM19.93 11c-.17-1.39-.72-2.73-1.62-3.89l-1.42 1.42c.54.75.88 1.6 1.02 2.47h2.02zM13 17.9v2.02c1.39-.17 2.74-.71 3.9-1.61l-1.44-1.44c-.75.54-1.59.89-2.46 1.03zm3.89-2.42l1.42 1.41c.9-1.16 1.45-2.5 1.62-3.89h-2.02c-.14.87-.48 1.72-1.02 2.48z"/></svg>`)))
	fitWidthIcon = theme.NewThemedResource(fyne.NewStaticResource("fit-width.svg", []byte(
		`<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24"><path d="M3 5h2v14H3zM19 5h2v14h-2zM7 12l4-4v3h2V8l4 4-4 4v-3h-2v3z"/></svg>`)))
)

// ToolButton is an icon button of the preview's toolbar; Tip says what it does, shown on
// hover.
type ToolButton struct {
	TipButton
	Tip string
}

func (p *Preview) newToolButton(icon fyne.Resource, tip string, tapped func()) *ToolButton {
	b := &ToolButton{Tip: tip}
	b.tips, b.tip = p.u.tips, func() string { return b.Tip }
	b.Icon, b.OnTapped = icon, tapped
	b.ExtendBaseWidget(b)
	return b
}

// newPreviewControls builds the toolbar: the pages (« Page 2 / 5 ») on the left, the zoom,
// fit to width and rotation on the right, on two lines when the pane is too narrow for one.
func (p *Preview) newPreviewControls() {
	t := p.u.tr.T
	p.Page = widget.NewLabel("")
	p.Prev = p.newToolButton(theme.NavigateBackIcon(), t("preview.prev"), func() { p.goTo(p.page - 1) })
	p.Next = p.newToolButton(theme.NavigateNextIcon(), t("preview.next"), func() { p.goTo(p.page + 1) })
	p.ZoomOut = p.newToolButton(theme.ZoomOutIcon(), t("preview.zoomout"), func() { p.zoomBy(-1) })
	p.ZoomIn = p.newToolButton(theme.ZoomInIcon(), t("preview.zoomin"), func() { p.zoomBy(1) })
	p.FitWidth = p.newToolButton(fitWidthIcon, t("preview.fit"), p.fitWidth)
	p.Rotate = p.newToolButton(rotateIcon, t("preview.rotate"), p.rotate)
	p.Zoom = widget.NewLabel("")
	p.pageControls = container.NewHBox(p.Prev, p.Page, p.Next)
	p.zoomControls = container.NewHBox(p.ZoomOut, p.Zoom, p.ZoomIn, p.FitWidth, p.Rotate)
	p.toolbar = container.New(&toolbarLayout{}, p.pageControls, p.zoomControls)

}

// Buttons returns the toolbar's buttons, in order.
func (p *Preview) Buttons() []*ToolButton {
	return []*ToolButton{p.Prev, p.Next, p.ZoomOut, p.ZoomIn, p.FitWidth, p.Rotate}
}

// showControls updates the toolbar for the page shown (page counts from 0, pages is 0 while
// unknown).
func (p *Preview) showControls() {
	t := p.u.tr.T
	show(p.pageControls, p.doc != nil && (p.pages > 0 || p.busy))
	show(p.zoomControls, p.Image.Image != nil)
	show(p.toolbar, p.pageControls.Visible() || p.zoomControls.Visible())
	if p.pages > 0 {
		p.Page.SetText(t("preview.page", p.page+1, p.pages))
	} else {
		p.Page.SetText(t("preview.rendering"))
	}
	enable(p.Prev, p.page > 0 && p.pages > 0)
	enable(p.Next, p.page+1 < p.pages)
	p.Zoom.SetText(t("preview.zoom", p.zoom))
	enable(p.ZoomOut, p.zoom > zoomSteps[0])
	enable(p.ZoomIn, p.zoom < zoomSteps[len(zoomSteps)-1])
	enable(p.FitWidth, p.zoom != fitZoom)
}

func enable(b *ToolButton, on bool) {
	if on {
		b.Enable()
	} else {
		b.Disable()
	}
}

// zoomBy moves d steps along zoomSteps.
func (p *Preview) zoomBy(d int) {
	i := 0
	for i < len(zoomSteps)-1 && zoomSteps[i] < p.zoom {
		i++
	}
	i = min(max(i+d, 0), len(zoomSteps)-1)
	p.setZoom(zoomSteps[i])
}

func (p *Preview) fitWidth() { p.setZoom(fitZoom) }

func (p *Preview) setZoom(z int) {
	p.u.touch()
	if z == p.zoom {
		return
	}
	p.zoom = z
	p.showControls()
	p.View.Refresh()
	p.sharpen()
}

// toolbarLayout puts its two groups on one line, the first on the left and the second on
// the right, when the width allows; on two lines otherwise. Its minimum width is the wider
// group's, so that the toolbar never widens the reader.
type toolbarLayout struct {
	width float32 // the width of the last layout
}

func (l *toolbarLayout) oneLine(objs []fyne.CanvasObject) bool {
	a, b := objs[0], objs[1]
	if !a.Visible() || !b.Visible() {
		return true
	}
	return a.MinSize().Width+theme.Padding()+b.MinSize().Width <= l.width
}

func (l *toolbarLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	l.width = size.Width
	a, b := objs[0], objs[1]
	am, bm := a.MinSize(), b.MinSize()
	switch {
	case !a.Visible():
		b.Move(fyne.NewPos(size.Width-bm.Width, 0))
		b.Resize(bm)
	case l.oneLine(objs):
		h := max(am.Height, bm.Height)
		a.Move(fyne.NewPos(0, (h-am.Height)/2))
		a.Resize(am)
		b.Move(fyne.NewPos(size.Width-bm.Width, (h-bm.Height)/2))
		b.Resize(bm)
	default:
		a.Move(fyne.NewPos(0, 0))
		a.Resize(am)
		b.Move(fyne.NewPos(max(0, size.Width-bm.Width), am.Height+theme.Padding()))
		b.Resize(bm)
	}
}

func (l *toolbarLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	a, b := objs[0], objs[1]
	am, bm := a.MinSize(), b.MinSize()
	switch {
	case !a.Visible():
		return bm
	case !b.Visible():
		return am
	case l.width > 0 && l.oneLine(objs):
		return fyne.NewSize(max(am.Width, bm.Width), max(am.Height, bm.Height))
	}
	return fyne.NewSize(max(am.Width, bm.Width), am.Height+theme.Padding()+bm.Height)
}
