package apptest

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
)

// Click delivers a left click at pos (canvas coordinates) as the desktop driver does (GLFW,
// fyne v2.7): the click goes to the topmost, deepest object under the mouse that is
// Tappable, SecondaryTappable, DoubleTappable, Focusable or Mouseable, and only when that
// object is Tappable does it tap. (fyne's test.TapCanvas looks for a Tappable only, so it
// misses a widget that takes the click from the one under it.) It reports whether something
// was tapped.
func Click(c fyne.Canvas, pos fyne.Position) bool {
	takes := func(o fyne.CanvasObject) bool {
		switch o.(type) {
		case fyne.Tappable, fyne.SecondaryTappable, fyne.DoubleTappable, fyne.Focusable, desktop.Mouseable:
			return true
		}
		return false
	}
	var hit fyne.CanvasObject
	var at fyne.Position
	find := func(root fyne.CanvasObject) {
		var visit func(o fyne.CanvasObject, origin fyne.Position)
		visit = func(o fyne.CanvasObject, origin fyne.Position) {
			if o == nil || !o.Visible() {
				return
			}
			p := origin.Add(o.Position())
			s := o.Size()
			if pos.X < p.X || pos.Y < p.Y || pos.X >= p.X+s.Width || pos.Y >= p.Y+s.Height {
				return
			}
			if takes(o) {
				hit, at = o, pos.Subtract(p)
			}
			for _, child := range children(o) {
				visit(child, p)
			}
		}
		visit(root, fyne.Position{})
	}
	if top := c.Overlays().Top(); top != nil {
		find(top)
	} else {
		find(c.Content())
	}
	t, ok := hit.(fyne.Tappable)
	if !ok {
		return false
	}
	if f, ok := hit.(fyne.Focusable); ok {
		c.Focus(f)
	}
	t.Tapped(&fyne.PointEvent{Position: at, AbsolutePosition: pos})
	return true
}

// children are the objects o draws: a container's, or a widget's renderer's.
func children(o fyne.CanvasObject) []fyne.CanvasObject {
	switch w := o.(type) {
	case *fyne.Container:
		return w.Objects
	case fyne.Widget:
		return test.WidgetRenderer(w).Objects()
	}
	return nil
}
