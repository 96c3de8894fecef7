package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// previewView shows the page or photo at the preview's zoom, 100 % being the pane's width.
// Its height follows from its width, so the reader's scroll moves it up and down; a page
// zoomed wider than the pane pans sideways in its own scroll (drag, Maj+molette, horizontal
// wheel). The wheel over it still scrolls the reader: the surface under the pointer hands
// each part of the movement to the scroll it belongs to.
type previewView struct {
	widget.BaseWidget
	p       *Preview
	surface *previewSurface
	scroll  *container.Scroll // sideways
	ring    *canvas.Rectangle // the keyboard focus
	avail   float32           // the width the reader gives
	outer   *container.Scroll // the reader's scroll, found at the first wheel or drag
}

func newPreviewView(p *Preview) *previewView {
	v := &previewView{p: p}
	v.surface = &previewSurface{v: v}
	v.surface.ExtendBaseWidget(v.surface)
	v.scroll = container.NewHScroll(v.surface)
	v.ring = canvas.NewRectangle(nil)
	v.ring.StrokeWidth = 2
	v.ring.Hide()
	v.ExtendBaseWidget(v)
	return v
}

// displaySize is the size the image is drawn at: the zoom's share of the pane's width, and
// the height its proportions give.
func (v *previewView) displaySize() fyne.Size {
	img := v.p.Image.Image
	if img == nil || v.avail <= 0 {
		return fyne.Size{}
	}
	b := img.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return fyne.Size{}
	}
	w := v.avail * float32(v.p.zoom) / 100
	return fyne.NewSize(w, w*float32(b.Dy())/float32(b.Dx()))
}

// pixelsAcross is the display width in screen pixels (a HiDPI screen has more per unit).
func (v *previewView) pixelsAcross() float32 {
	scale := float32(1)
	if c := fyne.CurrentApp().Driver().CanvasForObject(v); c != nil && c.Scale() > 0 {
		scale = c.Scale()
	}
	return v.displaySize().Width * scale
}

func (v *previewView) CreateRenderer() fyne.WidgetRenderer {
	return &previewViewRenderer{v: v}
}

type previewViewRenderer struct{ v *previewView }

func (r *previewViewRenderer) Layout(size fyne.Size) {
	v := r.v
	if size.Width != v.avail {
		v.avail = size.Width
		v.p.viewResized()
	}
	v.scroll.Resize(size)
	v.scroll.Refresh() // the image's size follows the width even when the scroll's did not change
	v.ring.Resize(size)
}

func (r *previewViewRenderer) MinSize() fyne.Size {
	return fyne.NewSize(0, r.v.displaySize().Height)
}

func (r *previewViewRenderer) Refresh() {
	r.v.ring.StrokeColor = theme.Color(theme.ColorNameFocus)
	r.v.ring.FillColor = nil
	r.v.ring.Refresh()
	r.v.surface.Refresh()
	r.Layout(r.v.Size())
}

func (r *previewViewRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.v.scroll, r.v.ring}
}

func (r *previewViewRenderer) Destroy() {}

// outerScroll is the scroll the view sits in (the reader's), or nil.
func (v *previewView) outerScroll() *container.Scroll {
	if v.outer != nil {
		return v.outer
	}
	c := fyne.CurrentApp().Driver().CanvasForObject(v)
	if c == nil {
		return nil
	}
	v.outer = scrollAround(c.Content(), v, nil)
	return v.outer
}

// scrollAround is the innermost scroll holding target under o (within holds the innermost
// one above o), or nil. It looks through the containers the main window is made of.
func scrollAround(o, target fyne.CanvasObject, within *container.Scroll) *container.Scroll {
	if o == target {
		return within
	}
	var children []fyne.CanvasObject
	switch c := o.(type) {
	case *fyne.Container:
		children = c.Objects
	case *container.Scroll:
		within, children = c, []fyne.CanvasObject{c.Content}
	case *container.Split:
		children = []fyne.CanvasObject{c.Leading, c.Trailing}
	case *container.ThemeOverride:
		children = []fyne.CanvasObject{c.Content}
	}
	for _, child := range children {
		if child == nil {
			continue
		}
		if s := scrollAround(child, target, within); s != nil {
			return s
		}
	}
	return nil
}

// move pans the view by d: sideways in its own scroll, up and down in the reader's.
func (v *previewView) move(d fyne.Delta, at fyne.PointEvent) {
	if d.DX != 0 {
		v.scroll.Scrolled(&fyne.ScrollEvent{PointEvent: at, Scrolled: fyne.Delta{DX: d.DX}})
	}
	if d.DY != 0 {
		if o := v.outerScroll(); o != nil {
			o.Scrolled(&fyne.ScrollEvent{PointEvent: at, Scrolled: fyne.Delta{DY: d.DY}})
		}
	}
}

// previewSurface is the image inside the view's scroll: it takes the pointer (wheel, drag,
// tap) and, once tapped or reached with Tab, the keyboard: PageUp and PageDown turn the
// pages, Début and Fin go to the first and last, + and - zoom.
type previewSurface struct {
	widget.BaseWidget
	v *previewView
}

func (s *previewSurface) CreateRenderer() fyne.WidgetRenderer {
	return &previewSurfaceRenderer{s: s}
}

func (s *previewSurface) MinSize() fyne.Size { return s.v.displaySize() }

// Scrolled hands the wheel on: the reader scrolls, the page pans sideways.
func (s *previewSurface) Scrolled(ev *fyne.ScrollEvent) { s.v.move(ev.Scrolled, ev.PointEvent) }

// Dragged moves the page with the pointer.
func (s *previewSurface) Dragged(ev *fyne.DragEvent) { s.v.move(ev.Dragged, ev.PointEvent) }

func (s *previewSurface) DragEnd() {}

// Tapped gives the preview the keyboard.
func (s *previewSurface) Tapped(*fyne.PointEvent) {
	s.v.p.u.touch()
	if c := fyne.CurrentApp().Driver().CanvasForObject(s); c != nil {
		c.Focus(s)
	}
}

func (s *previewSurface) FocusGained() { s.v.ring.Show(); s.v.ring.Refresh() }
func (s *previewSurface) FocusLost()   { s.v.ring.Hide() }

func (s *previewSurface) TypedRune(r rune) {
	p := s.v.p
	switch r {
	case '+', '=':
		p.zoomBy(1)
	case '-':
		p.zoomBy(-1)
	}
}

// TypedKey turns the pages; other keys go to the window (the list's and the menu's keys).
func (s *previewSurface) TypedKey(ev *fyne.KeyEvent) {
	p := s.v.p
	p.u.touch()
	switch ev.Name {
	case fyne.KeyPageDown:
		p.goTo(p.page + 1)
	case fyne.KeyPageUp:
		p.goTo(p.page - 1)
	case fyne.KeyHome:
		p.goTo(0)
	case fyne.KeyEnd:
		p.goTo(p.pages - 1)
	default:
		if c := fyne.CurrentApp().Driver().CanvasForObject(s); c != nil && c.OnTypedKey() != nil {
			c.OnTypedKey()(ev)
		}
	}
}

type previewSurfaceRenderer struct{ s *previewSurface }

// Layout draws the image at its display size, centred when narrower than the pane.
func (r *previewSurfaceRenderer) Layout(size fyne.Size) {
	img := r.s.v.p.Image
	d := r.s.v.displaySize()
	img.Resize(d)
	img.Move(fyne.NewPos(max(0, (size.Width-d.Width)/2), 0))
}

func (r *previewSurfaceRenderer) MinSize() fyne.Size { return r.s.v.displaySize() }

func (r *previewSurfaceRenderer) Refresh() {
	r.Layout(r.s.Size())
	r.s.v.p.Image.Refresh()
}

func (r *previewSurfaceRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.s.v.p.Image}
}

func (r *previewSurfaceRenderer) Destroy() {}
