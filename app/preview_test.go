package app

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"math"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"comptoir/app/pdfview"
	"comptoir/app/pdfview/pdftest"
)

// The preview's controls on a reader pane of a known width, with PDFium rendering in this
// process (app/demo drives the same controls with the renderer in child processes, as the
// application runs it).

// previewRig is a reader in a window paneWidth wide, its PDFs rendered by PDFium.
type previewRig struct {
	*readerRig
	w  fyne.Window
	pv *Preview
}

const paneWidth = 520

func newPreviewRig(t *testing.T) *previewRig {
	t.Helper()
	return newPreviewRigWith(t, func(r PDFRenderer) PDFRenderer { return r })
}

// newPreviewRigWith renders through wrap(PDFium), for faults injected around the renderer.
func newPreviewRigWith(t *testing.T, wrap func(PDFRenderer) PDFRenderer) *previewRig {
	t.Helper()
	r := pdfview.New(pdftest.CacheDir()) // warmed by TestMain
	t.Cleanup(func() { r.Close() })
	rig := &previewRig{readerRig: newReaderRig(t, wrap(r))}
	rig.pv = rig.r.Preview
	rig.w = test.NewWindow(rig.r.Content)
	t.Cleanup(rig.w.Close)
	rig.w.SetPadded(false)
	rig.w.Resize(fyne.NewSize(paneWidth, 900))
	return rig
}

// layout lays the reader out again, as the driver does once a size changed.
func (rig *previewRig) layout() {
	rig.r.Content.Refresh()
}

// wait runs queued UI work and lays out until cond holds.
func (rig *previewRig) wait(what string, cond func() bool) {
	rig.t.Helper()
	rig.waitFor(what, func() bool {
		rig.layout()
		return cond()
	})
}

// button is the toolbar's button whose tooltip is tip.
func (rig *previewRig) button(tip string) *ToolButton {
	rig.t.Helper()
	for _, b := range rig.pv.Buttons() {
		if b.Tip == tip {
			return b
		}
	}
	rig.t.Fatalf("no button « %s » in the preview", tip)
	return nil
}

func (rig *previewRig) tap(tip string) {
	rig.t.Helper()
	b := rig.button(tip)
	if b.Disabled() {
		rig.t.Fatalf("« %s » is disabled", tip)
	}
	test.Tap(b)
}

// shown is the image on screen and its size there.
func (rig *previewRig) shown() (image.Image, fyne.Size) {
	return rig.pv.Image.Image, rig.pv.Image.Size()
}

func near(a, b float32) bool { return math.Abs(float64(a-b)) < 1.5 }

func threePages() Part {
	return part("compte-rendu.pdf", pdftest.Pages("Un", "Deux", "Trois"))
}

// « Page suivante » and « Page précédente », and PageUp / PageDown once the page has the
// keyboard: the label says where the reader is, and each page shows its own image.
func TestPreviewPageNavigation(t *testing.T) {
	rig := newPreviewRig(t)
	pv := rig.pv
	rig.r.show(&Message{Parts: []Part{threePages()}})
	rig.wait("page 1", func() bool { return pv.Page.Text == "Page 1 / 3" && pv.Image.Image != nil })
	if !rig.button("Page précédente").Disabled() || rig.button("Page suivante").Disabled() {
		t.Fatal("on page 1 of 3: « Page précédente » enabled or « Page suivante » disabled")
	}
	first := pv.Image.Image
	rig.tap("Page suivante")
	rig.wait("page 2", func() bool { return pv.Page.Text == "Page 2 / 3" && pv.Image.Image != first && !pv.busy })
	second := pv.Image.Image
	if samePixels(first, second) {
		t.Fatal("page 2 shows the same image as page 1")
	}

	// The keyboard: a tap on the page gives it the focus.
	test.Tap(pv.Surface)
	if rig.w.Canvas().Focused() != pv.Surface {
		t.Fatal("a tap on the page does not give it the keyboard")
	}
	key := func(k fyne.KeyName) { rig.w.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: k}) }
	key(fyne.KeyPageDown)
	rig.wait("page 3", func() bool { return pv.Page.Text == "Page 3 / 3" && pv.Image.Image != second && !pv.busy })
	if !rig.button("Page suivante").Disabled() {
		t.Fatal("« Page suivante » enabled on the last page")
	}
	key(fyne.KeyPageDown) // nothing after the last page
	if pv.Page.Text != "Page 3 / 3" || pv.busy {
		t.Fatalf("PageDown on the last page: %q", pv.Page.Text)
	}
	key(fyne.KeyPageUp)
	rig.wait("page 2 again", func() bool { return pv.Page.Text == "Page 2 / 3" && !pv.busy && pv.Image.Image != nil })
	if !samePixels(pv.Image.Image, second) {
		t.Fatal("page 2 does not show as it did")
	}
	test.Type(rig.w.Canvas().Focused(), "+")
	if pv.Zoom.Text != "125\u00a0%" {
		t.Fatalf("+ on the focused page: zoom %q", pv.Zoom.Text)
	}
	test.Type(rig.w.Canvas().Focused(), "-")
	test.Tap(rig.button("Page précédente"))
	rig.wait("page 1 again", func() bool { return pv.Page.Text == "Page 1 / 3" && !pv.busy && pv.Image.Image != nil })

	// Another message: back to its first page.
	rig.r.show(&Message{Parts: []Part{part("autre.pdf", pdftest.Pages("A", "B"))}})
	rig.wait("the other PDF", func() bool { return pv.Page.Text == "Page 1 / 2" && pv.Image.Image != nil })
}

// Fit to width is the default; the zoom steps widen and narrow the page from there; a quarter
// turn shows a portrait page in landscape, still as wide as the pane.
func TestPreviewZoomFitAndRotation(t *testing.T) {
	rig := newPreviewRig(t)
	pv := rig.pv
	rig.r.show(&Message{Parts: []Part{threePages()}})
	rig.wait("page 1", func() bool { return pv.Image.Image != nil && pv.View.Size().Width > 0 })
	avail := pv.View.Size().Width
	img, size := rig.shown()
	if !near(size.Width, avail) || !near(size.Height, avail*842/595) {
		t.Fatalf("fit to width: the page shows %v in a pane %g wide", size, avail)
	}
	if b := img.Bounds(); b.Dx() >= b.Dy() {
		t.Fatalf("an A4 portrait page rendered %v", b)
	}
	if pv.Zoom.Text != "100\u00a0%" || !rig.button("Ajuster à la largeur").Disabled() {
		t.Fatalf("zoom label %q; « Ajuster à la largeur » enabled at the fit", pv.Zoom.Text)
	}

	rig.tap("Zoom avant")
	rig.layout()
	if _, size = rig.shown(); !near(size.Width, avail*1.25) || pv.Zoom.Text != "125\u00a0%" {
		t.Fatalf("zoom in: %v wide, label %q; want %g", size.Width, pv.Zoom.Text, avail*1.25)
	}
	rig.tap("Zoom arrière")
	rig.tap("Zoom arrière")
	rig.layout()
	if _, size = rig.shown(); !near(size.Width, avail*0.75) || pv.Zoom.Text != "75\u00a0%" {
		t.Fatalf("zoom out twice: %v wide, label %q", size.Width, pv.Zoom.Text)
	}
	rig.tap("Zoom arrière")
	if !rig.button("Zoom arrière").Disabled() {
		t.Fatal("« Zoom arrière » enabled at the smallest zoom")
	}
	rig.tap("Ajuster à la largeur")
	rig.layout()
	if _, size = rig.shown(); !near(size.Width, avail) || pv.Zoom.Text != "100\u00a0%" {
		t.Fatalf("fit to width again: %v wide, label %q", size.Width, pv.Zoom.Text)
	}

	// Zoomed to 200 %, the page needs more pixels than its first render: it is rendered again,
	// sharper, wider than the pane.
	before := pv.Image.Image.Bounds().Dx()
	for range 3 {
		rig.tap("Zoom avant")
	}
	rig.wait("a sharper page", func() bool {
		return pv.Image.Image != nil && pv.Image.Image.Bounds().Dx() >= int(2*avail) && !pv.busy
	})
	if _, size = rig.shown(); !near(size.Width, 2*avail) {
		t.Fatalf("200 %%: %v wide, want %g", size.Width, 2*avail)
	}
	t.Logf("page rendered %d px wide, then %d px at 200 %%", before, pv.Image.Image.Bounds().Dx())
	rig.tap("Ajuster à la largeur")

	// A quarter turn: landscape, as wide as the pane, the height following.
	portrait := pv.Image.Image.Bounds()
	rig.tap("Pivoter d'un quart de tour")
	rig.wait("the page turned", func() bool {
		b := pv.Image.Image.Bounds()
		return b.Dx() == portrait.Dy() && b.Dy() == portrait.Dx()
	})
	if _, size = rig.shown(); !near(size.Width, avail) || !near(size.Height, avail*595/842) {
		t.Fatalf("turned page shows %v in a pane %g wide", size, avail)
	}
	// The turn stays for the next page.
	rig.tap("Page suivante")
	rig.wait("page 2 turned", func() bool {
		b := pv.Image.Image.Bounds()
		return pv.Page.Text == "Page 2 / 3" && !pv.busy && b.Dx() > b.Dy()
	})
	// Three more quarters: upright again.
	for range 3 {
		rig.tap("Pivoter d'un quart de tour")
	}
	rig.wait("page 2 upright", func() bool {
		b := pv.Image.Image.Bounds()
		return b.Dx() < b.Dy() && pv.turnCancel == nil
	})
}

// The wheel over the page scrolls the reader (the page's own sideways scroll would otherwise
// keep it); sideways it pans a page zoomed wider than the pane; a drag moves it both ways.
func TestPreviewWheelScrollsTheReader(t *testing.T) {
	rig := newPreviewRig(t)
	pv := rig.pv
	rig.w.Resize(fyne.NewSize(paneWidth, 500)) // the page is taller than the pane
	rig.r.show(&Message{Parts: []Part{threePages()}})
	rig.wait("page 1", func() bool { return pv.Image.Image != nil && !pv.busy })
	reader := rig.r.scroll
	pv.Surface.Scrolled(&fyne.ScrollEvent{Scrolled: fyne.Delta{DY: -120}})
	if reader.Offset.Y != 120 {
		t.Fatalf("the wheel over the page scrolled the reader to %g, want 120", reader.Offset.Y)
	}
	pv.Surface.Scrolled(&fyne.ScrollEvent{Scrolled: fyne.Delta{DX: -100}})
	if x := pv.View.scroll.Offset.X; x != 0 {
		t.Fatalf("a page as wide as the pane panned to %g", x)
	}
	for range 3 {
		rig.tap("Zoom avant")
	}
	rig.layout()
	pv.Surface.Scrolled(&fyne.ScrollEvent{Scrolled: fyne.Delta{DX: -100}})
	if x := pv.View.scroll.Offset.X; x != 100 || reader.Offset.Y != 120 {
		t.Fatalf("sideways wheel at 200 %%: page panned to %g, reader at %g", x, reader.Offset.Y)
	}
	pv.Surface.Dragged(&fyne.DragEvent{Dragged: fyne.Delta{DX: 40, DY: 30}})
	if x := pv.View.scroll.Offset.X; x != 60 || reader.Offset.Y != 90 {
		t.Fatalf("a drag by (40, 30): page panned to %g, reader at %g", x, reader.Offset.Y)
	}
}

// slowBeyond96 is PDFium timing out on any render sharper than the first page's.
type slowBeyond96 struct{ PDFRenderer }

func (s slowBeyond96) RenderPage(ctx context.Context, pdf []byte, page int, dpi float64) (image.Image, int, error) {
	if dpi > firstPageDPI {
		_, pages, _ := s.PDFRenderer.RenderPage(ctx, pdf, page, firstPageDPI)
		return nil, pages, pdfview.ErrTimeout
	}
	return s.PDFRenderer.RenderPage(ctx, pdf, page, dpi)
}

// When the sharper copy of a zoomed page fails, the page stays on screen as it was, without
// an error, and it is not asked again.
func TestPreviewSharperRenderFailureKeepsPage(t *testing.T) {
	rig := newPreviewRigWith(t, func(r PDFRenderer) PDFRenderer { return slowBeyond96{r} })
	pv := rig.pv
	rig.r.show(&Message{Parts: []Part{threePages()}})
	rig.wait("page 1", func() bool { return pv.Image.Image != nil && !pv.busy })
	page := pv.Image.Image
	for range 3 {
		rig.tap("Zoom avant")
	}
	rig.wait("the sharper render's failure", func() bool { return pv.capped && !pv.busy })
	if pv.Image.Image != page || pv.Error.Visible() || pv.Image.Translucency != 0 {
		t.Fatalf("after a failed sharper render: same page %v, error %q", pv.Image.Image == page, pv.Error.Text)
	}
	rig.tap("Zoom arrière")
	rig.tap("Zoom avant")
	if pv.busy {
		t.Fatal("the failed sharper render is asked again")
	}
}

// A quarter turn asked just before a zoom whose sharper render fails still shows.
func TestPreviewTurnSurvivesFailedSharperRender(t *testing.T) {
	rig := newPreviewRigWith(t, func(r PDFRenderer) PDFRenderer { return slowBeyond96{r} })
	pv := rig.pv
	rig.w.Resize(fyne.NewSize(800, 900)) // turned, at 200 %: 1600 px across a page of 1123
	rig.r.show(&Message{Parts: []Part{threePages()}})
	rig.wait("page 1", func() bool { return pv.Image.Image != nil && !pv.busy })
	rig.tap("Pivoter d'un quart de tour")
	for range 3 {
		rig.tap("Zoom avant")
	}
	rig.wait("the page turned", func() bool {
		b := pv.Image.Image.Bounds()
		return pv.capped && !pv.busy && b.Dx() > b.Dy()
	})
}

// A photo gets the zoom and the turns too, turned off the UI goroutine; no page controls.
func TestPreviewPhotoZoomAndRotation(t *testing.T) {
	var buf bytes.Buffer
	src := image.NewRGBA(image.Rect(0, 0, 400, 300))
	src.Set(0, 0, color.RGBA{R: 255, A: 255})
	png.Encode(&buf, src)
	rig := newPreviewRig(t)
	pv := rig.pv
	rig.r.show(&Message{Parts: []Part{part("photo.png", buf.Bytes())}})
	rig.wait("the photo", func() bool { return pv.Image.Image != nil })
	if pv.pageControls.Visible() || !pv.zoomControls.Visible() {
		t.Fatal("a photo shows page controls, or no zoom")
	}
	avail := pv.View.Size().Width
	if _, size := rig.shown(); !near(size.Width, avail) || !near(size.Height, avail*3/4) {
		t.Fatalf("photo fitted to %v in %g", size, avail)
	}
	rig.tap("Pivoter d'un quart de tour")
	if b := pv.Image.Image.Bounds(); b.Dx() != 400 {
		t.Fatal("the photo was turned on the UI goroutine")
	}
	rig.wait("the photo turned", func() bool { return pv.Image.Image.Bounds().Dx() == 300 })
	// The red corner, top left, is now top right.
	if c := pv.Image.Image.At(299, 0).(color.RGBA); c.R != 255 {
		t.Fatalf("top right after a quarter turn: %v", c)
	}
	if _, size := rig.shown(); !near(size.Width, avail) || !near(size.Height, avail*4/3) {
		t.Fatalf("turned photo fitted to %v in %g", size, avail)
	}
	rig.tap("Zoom avant")
	rig.layout()
	if _, size := rig.shown(); !near(size.Width, avail*1.25) {
		t.Fatalf("photo at 125 %%: %v", size)
	}
}

// The toolbar fits the reader's pane at 1024×768 (about 430 px wide): on one line when both
// groups fit, else on two; it never makes the pane wider.
func TestPreviewToolbarFitsNarrowPane(t *testing.T) {
	rig := newPreviewRig(t)
	pv := rig.pv
	rig.r.show(&Message{Parts: []Part{threePages()}})
	rig.wait("page 1", func() bool { return pv.Image.Image != nil })
	if w := pv.toolbar.MinSize().Width; w > 400 {
		t.Fatalf("the preview's toolbar needs %g px", w)
	}
	for _, width := range []float32{400, 430, 700} {
		rig.w.Resize(fyne.NewSize(width, 900))
		rig.layout()
		for _, o := range []fyne.CanvasObject{pv.pageControls, pv.zoomControls} {
			if right := o.Position().X + o.Size().Width; right > pv.toolbar.Size().Width+0.5 || o.Position().X < 0 {
				t.Errorf("at %g px, a toolbar group spans %g to %g of %g", width, o.Position().X, right, pv.toolbar.Size().Width)
			}
		}
		if pv.Content.MinSize().Width > width {
			t.Errorf("at %g px, the preview needs %g", width, pv.Content.MinSize().Width)
		}
		oneLine := pv.zoomControls.Position().Y == pv.pageControls.Position().Y
		t.Logf("at %g px: toolbar on %s", width, map[bool]string{true: "one line", false: "two lines"}[oneLine])
	}
}

// samePixels reports whether a and b have the same pixels.
func samePixels(a, b image.Image) bool {
	ra, ok1 := a.(*image.RGBA)
	rb, ok2 := b.(*image.RGBA)
	return ok1 && ok2 && ra.Rect == rb.Rect && bytes.Equal(ra.Pix, rb.Pix)
}
