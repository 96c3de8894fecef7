package app

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Fyne 2.7 has no tooltips. tooltips draws them in a layer laid over the window's content:
// a label on a background, placed by the mouse, shown after a short delay. The layer takes
// no input, so taps and hovers still reach the widgets below it.
type tooltips struct {
	u     *UI
	Layer *fyne.Container // the window's top layer (no layout: the tip is placed by hand)
	box   *fyne.Container
	bg    *canvas.Rectangle
	label *widget.Label
	owner fyne.CanvasObject // what the mouse is over
	seq   int               // a newer hover cancels the pending one
}

const (
	tooltipDelay = 400 * time.Millisecond
	tooltipWidth = 440 // longer texts wrap
)

func newTooltips(u *UI) *tooltips {
	t := &tooltips{u: u, label: widget.NewLabel(""), bg: canvas.NewRectangle(nil)}
	t.bg.StrokeWidth = 1
	t.bg.CornerRadius = theme.InputRadiusSize()
	t.box = container.NewStack(t.bg, t.label)
	t.box.Hide()
	t.Layer = container.NewWithoutLayout(t.box)
	return t
}

// hover is the mouse over owner at the canvas position at: text shows after the delay
// ("" hides). Moving within the same owner keeps the tip where it is.
func (t *tooltips) hover(owner fyne.CanvasObject, text string, at fyne.Position) {
	if text == "" {
		t.leave(owner)
		return
	}
	if t.owner == owner && (t.box.Visible() || t.label.Text == text) {
		return
	}
	t.owner = owner
	t.label.Text = text // what is pending; shown once the delay passed
	t.seq++
	seq := t.seq
	time.AfterFunc(tooltipDelay, func() {
		t.u.deps.Do(func() {
			if seq == t.seq {
				t.show(text, at)
			}
		})
	})
}

// leave is the mouse out of owner.
func (t *tooltips) leave(owner fyne.CanvasObject) {
	if t.owner == owner {
		t.hide()
	}
}

func (t *tooltips) show(text string, at fyne.Position) {
	t.bg.FillColor = theme.Color(theme.ColorNameOverlayBackground)
	t.bg.StrokeColor = theme.Color(theme.ColorNameInputBorder)
	t.label.Wrapping = fyne.TextWrapOff
	t.label.SetText(text)
	size := t.label.MinSize()
	if size.Width > tooltipWidth {
		t.label.Wrapping = fyne.TextWrapWord
		t.label.Resize(fyne.NewSize(tooltipWidth, size.Height))
		size = fyne.NewSize(tooltipWidth, t.label.MinSize().Height)
	}
	// Below right of the pointer, kept inside the window.
	area := t.Layer.Size()
	pos := at.Add(fyne.NewPos(12, 18))
	if pos.X+size.Width > area.Width {
		pos.X = fyne.Max(0, area.Width-size.Width)
	}
	if pos.Y+size.Height > area.Height {
		pos.Y = fyne.Max(0, at.Y-size.Height-4)
	}
	t.box.Move(pos)
	t.box.Resize(size)
	t.box.Show()
	t.box.Refresh()
}

// hide takes the tooltip away (a click, a key, a dialog): it shows again on the next move.
func (t *tooltips) hide() {
	t.owner = nil
	t.seq++
	t.label.Text = ""
	t.box.Hide()
}

// Texts is what the shown tooltip says (nil when none shows).
func (t *tooltips) Texts() []string {
	if !t.box.Visible() {
		return nil
	}
	return []string{t.label.Text}
}

// TipButton is a button that says more on hover (an icon-only button's name, a BAL's
// address).
type TipButton struct {
	widget.Button
	tips *tooltips
	tip  func() string
}

func newTipButton(tips *tooltips, text string, icon fyne.Resource, tip func() string, tapped func()) *TipButton {
	b := &TipButton{tips: tips, tip: tip}
	b.Text, b.Icon, b.OnTapped = text, icon, tapped
	b.ExtendBaseWidget(b)
	return b
}

// Tapped hides the tip: the button's action comes first.
func (b *TipButton) Tapped(e *fyne.PointEvent) {
	b.tips.hide()
	b.Button.Tapped(e)
}

func (b *TipButton) MouseIn(e *desktop.MouseEvent) {
	b.Button.MouseIn(e)
	b.tips.hover(b, b.tip(), e.AbsolutePosition)
}

func (b *TipButton) MouseMoved(e *desktop.MouseEvent) {
	b.Button.MouseMoved(e)
	b.tips.hover(b, b.tip(), e.AbsolutePosition)
}

func (b *TipButton) MouseOut() {
	b.Button.MouseOut()
	b.tips.leave(b)
}
