package apptest

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
)

// PressKey delivers a key press (no modifier) to window w as the desktop driver does: to the
// focused widget, else to the canvas's typed-key handler.
func PressKey(w fyne.Window, key fyne.KeyName) {
	c := w.Canvas()
	ev := &fyne.KeyEvent{Name: key}
	if f := c.Focused(); f != nil {
		f.TypedKey(ev)
		return
	}
	if h := c.OnTypedKey(); h != nil {
		h(ev)
	}
}

// PressShortcut delivers key with modifier to window w in the desktop driver's order (GLFW,
// fyne v2.7): the main menu's items first, then the focused widget if it handles shortcuts,
// else the canvas's shortcuts.
func PressShortcut(w fyne.Window, key fyne.KeyName, modifier fyne.KeyModifier) {
	sc := &desktop.CustomShortcut{KeyName: key, Modifier: modifier}
	if mm := w.MainMenu(); mm != nil {
		for _, m := range mm.Items {
			if triggerMenu(m.Items, sc) {
				return
			}
		}
	}
	c := w.Canvas()
	if f, ok := c.Focused().(fyne.Shortcutable); ok {
		f.TypedShortcut(sc)
		return
	}
	if s, ok := c.(fyne.Shortcutable); ok {
		s.TypedShortcut(sc)
	}
}

func triggerMenu(items []*fyne.MenuItem, sc fyne.Shortcut) bool {
	for _, it := range items {
		if it.Shortcut != nil && it.Shortcut.ShortcutName() == sc.ShortcutName() && it.Action != nil {
			it.Action()
			return true
		}
		if it.ChildMenu != nil && triggerMenu(it.ChildMenu.Items, sc) {
			return true
		}
	}
	return false
}
