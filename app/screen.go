package app

import "fyne.io/fyne/v2"

// counterRoom is what a window's content has on the smallest counter screen: 1024×768 with
// Windows's taskbar (40 px) and a window frame (16 px across, 39 down). Windows open within
// it until FitScreen tells the real screen.
var counterRoom = fyne.NewSize(1024-16, 768-40-39)

// frame is a window's decorations around its content.
var frame = fyne.NewSize(16, 39)

// FitScreen gives the UI the screen's work area (Fyne units, the taskbar excluded), read
// from the system once the main window exists: the main window fills it, centred, and the
// other windows open within it.
func (u *UI) FitScreen(work fyne.Size) {
	if work.Width <= frame.Width || work.Height <= frame.Height {
		return
	}
	u.screen = work.Subtract(frame)
	u.Window.Resize(u.screen)
	u.Window.CenterOnScreen()
}

// room is what a window may take on this screen.
func (u *UI) room() fyne.Size {
	if u.screen.IsZero() {
		return counterRoom
	}
	return u.screen
}

// sizeWindow opens w at want, or smaller to stay on the screen.
func (u *UI) sizeWindow(w fyne.Window, want fyne.Size) { w.Resize(want.Min(u.room())) }

// atLeast gives its objects at least min. The desktop driver first lays a new window's
// content out at its minimum size: a wrapped text then measures one word per line and makes
// the window taller than the screen. A sensible minimum width keeps it to a few lines.
type atLeast struct{ min fyne.Size }

func (a atLeast) MinSize(objs []fyne.CanvasObject) fyne.Size {
	s := a.min
	for _, o := range objs {
		s = s.Max(o.MinSize())
	}
	return s
}

func (a atLeast) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

// withMinWidth wraps o so that it never lays out narrower than w.
func withMinWidth(o fyne.CanvasObject, w float32) fyne.CanvasObject {
	return &fyne.Container{Layout: atLeast{fyne.NewSize(w, 0)}, Objects: []fyne.CanvasObject{o}}
}
