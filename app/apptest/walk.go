package apptest

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Walk calls f on every visible object of c (its content, then its overlays), descending
// into containers and widgets' renderers.
func Walk(c fyne.Canvas, f func(fyne.CanvasObject)) {
	walkAll(c.Content(), f)
	for _, o := range c.Overlays().List() {
		walkAll(o, f)
	}
}

func walkAll(o fyne.CanvasObject, f func(fyne.CanvasObject)) {
	if o == nil || !o.Visible() {
		return
	}
	f(o)
	for _, c := range children(o) {
		walkAll(c, f)
	}
}

// Shown is what a label (or another text widget) displays: its text as drawn, after
// truncation.
func Shown(l fyne.CanvasObject) string {
	var parts []string
	walkAll(l, func(o fyne.CanvasObject) {
		if t, ok := o.(*canvas.Text); ok && t.Text != "" {
			parts = append(parts, t.Text)
		}
	})
	return strings.Join(parts, " ")
}

// Clipped reports whether l's text is wider than the room it was given (and is not
// wrapped): the end is cut off, with or without an ellipsis.
func Clipped(l *widget.Label) bool {
	if l.Wrapping != fyne.TextWrapOff || l.Text == "" {
		return false
	}
	w := fyne.MeasureText(l.Text, theme.TextSize(), l.TextStyle).Width
	return w+2*theme.InnerPadding() > l.Size().Width+0.5
}

// AbsolutePosition is o's position on its canvas.
func AbsolutePosition(o fyne.CanvasObject) fyne.Position {
	return fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
}
