package main

import (
	"fyne.io/fyne/v2"
	"github.com/go-gl/glfw/v3.3/glfw"
)

// workArea is the primary screen's work area (the taskbar excluded) in w's canvas units.
// Fyne 2.7 tells no screen size, so it asks GLFW, which Fyne's desktop driver initialised
// when the application was created. Call it on the main goroutine (fyne.Do) once w is shown:
// its scale is known then.
func workArea(w fyne.Window) (fyne.Size, bool) {
	m := glfw.GetPrimaryMonitor()
	if m == nil {
		return fyne.Size{}, false
	}
	_, _, width, height := m.GetWorkarea()
	if width <= 0 || height <= 0 {
		return fyne.Size{}, false
	}
	scale := w.Canvas().Scale()
	if scale <= 0 {
		scale = 1
	}
	return fyne.NewSize(float32(width)/scale, float32(height)/scale), true
}
