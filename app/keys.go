package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// The keyboard at the counter. Shortcuts with Ctrl live in the main window's « Message »
// menu (menu.go): the desktop driver gives them to the menu before any focused field. Keys
// without a modifier reach the focused widget, else the window (typedKey): the arrows move
// in the message list, Suppr deletes, Entrée opens the mailbox, Échap closes a dialog.

// ctrl is Ctrl on Windows and Linux, Cmd on macOS.
const ctrl = fyne.KeyModifierShortcutDefault

// MessageList is the message list: a widget.List whose arrow keys open the next or the
// previous message (the plain list only moves a focus mark) and whose Suppr deletes.
type MessageList struct {
	widget.List
	m *MainScreen

	icons    *rowIcons
	measure  *rowMeasure
	template *messageRow // measures the rows' height (ScrollTo)
}

// pick selects row id as a click on a list item does: the list takes the focus, so the
// arrow keys and Suppr act on it next.
func (l *MessageList) pick(id widget.ListItemID) {
	if c := fyne.CurrentApp().Driver().CanvasForObject(l); c != nil {
		c.Focus(l)
	}
	l.Select(id)
}

// TypedKey moves in the list, deletes, or does what a list does.
func (l *MessageList) TypedKey(ev *fyne.KeyEvent) {
	l.m.u.tips.hide()
	if !l.m.typedKey(ev) {
		l.List.TypedKey(ev)
	}
}

// typedKey handles the main window's keys; false when the key is not one of them.
func (m *MainScreen) typedKey(ev *fyne.KeyEvent) bool {
	switch ev.Name {
	case fyne.KeyDown:
		m.move(1)
	case fyne.KeyUp:
		m.move(-1)
	case fyne.KeyDelete:
		m.askDelete()
	default:
		return false
	}
	return true
}

// move selects the row d rows below (above) the selected one, the first when none is.
func (m *MainScreen) move(d int) {
	m.u.touch()
	n := m.model.length()
	if n == 0 {
		return
	}
	i := m.row + d
	if m.row < 0 {
		i = 0
	}
	if i < 0 || i >= n {
		return
	}
	m.List.Select(i)
	m.List.ScrollTo(i)
}

// unselect leaves no row highlighted (folder, BAL or search changed).
func (m *MainScreen) unselect() {
	m.row = -1
	m.List.UnselectAll()
}

// askDelete asks before moving the open message to the trash (Suppr, the « Message » menu).
func (m *MainScreen) askDelete() {
	if m.s != nil && m.current != nil {
		m.askRemove(*m.current, false)
	}
}

// typedKey is the window's key handler when no widget has the focus.
func (u *UI) typedKey(ev *fyne.KeyEvent) {
	u.touch()
	u.tips.hide()
	if ev.Name == fyne.KeyEscape {
		u.closeTopDialog(u.Window)
		return
	}
	if u.Window.Canvas().Overlays().Top() != nil {
		return // a dialog is open: the keys are its own
	}
	switch {
	case u.Main != nil && u.Main.s != nil && u.showing(u.Main.Content):
		u.Main.typedKey(ev)
	case ev.Name == fyne.KeyReturn || ev.Name == fyne.KeyEnter:
		if u.session != nil && u.Card.holderBox.Visible() && !u.Card.OpenButton.Disabled() {
			u.Card.OpenButton.OnTapped()
		}
	}
}

// showing reports whether c is the main window's screen.
func (u *UI) showing(c fyne.CanvasObject) bool { return u.content == c }

// trackDialog remembers d, shown on w, for Échap.
func (u *UI) trackDialog(w fyne.Window, d dialog.Dialog) {
	u.tips.hide()
	u.dialogs = append(u.dialogs, shownDialog{w, d})
	d.SetOnClosed(func() {
		for i, x := range u.dialogs {
			if x.d == d {
				u.dialogs = append(u.dialogs[:i], u.dialogs[i+1:]...)
				return
			}
		}
	})
}

type shownDialog struct {
	w fyne.Window
	d dialog.Dialog
}

// closeTopDialog closes the dialog on top of w (Échap): the latest one shown there, as if
// dismissed, else whatever pop-up covers the window.
func (u *UI) closeTopDialog(w fyne.Window) {
	for i := len(u.dialogs) - 1; i >= 0; i-- {
		if u.dialogs[i].w == w {
			u.dialogs[i].d.Hide()
			return
		}
	}
	if top := w.Canvas().Overlays().Top(); top != nil {
		top.Hide()
		w.Canvas().Overlays().Remove(top)
	}
}

// escapeCloses makes Échap close the dialogs of a side window.
func (u *UI) escapeCloses(w fyne.Window) {
	w.Canvas().SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyEscape {
			u.closeTopDialog(w)
		}
	})
}

// ShortcutEntry is a text field that hands the shortcuts it does not use to its window (the
// desktop driver gives a focused field every shortcut, and widget.Entry drops the ones it
// does not know): Ctrl+Entrée sends from the composer's body.
type ShortcutEntry struct {
	widget.Entry
	onShortcut func(fyne.Shortcut) bool
}

func newShortcutEntry(multiLine bool, on func(fyne.Shortcut) bool) *ShortcutEntry {
	e := &ShortcutEntry{onShortcut: on}
	e.MultiLine = multiLine
	if multiLine {
		e.Wrapping = fyne.TextWrapWord
	}
	e.ExtendBaseWidget(e)
	return e
}

// TypedShortcut offers s to the window first.
func (e *ShortcutEntry) TypedShortcut(s fyne.Shortcut) {
	if e.onShortcut != nil && e.onShortcut(s) {
		return
	}
	e.Entry.TypedShortcut(s)
}

// isShortcut reports whether s is key with modifier.
func isShortcut(s fyne.Shortcut, key fyne.KeyName, modifier fyne.KeyModifier) bool {
	return s.ShortcutName() == (&desktop.CustomShortcut{KeyName: key, Modifier: modifier}).ShortcutName()
}

// printCurrent prints what the reader previews, else its first document or attachment
// (Ctrl+P), through the row's own « Imprimer ».
func (r *ReaderView) printCurrent() {
	rows := append(append([]*PartRow{}, r.Documents...), r.Attachments...)
	for _, row := range rows {
		if r.Preview.Content.Visible() && samePart(row.part, r.Preview.part) {
			row.Print.OnTapped()
			return
		}
	}
	switch pl := r.plist; {
	case r.Preview.Content.Visible() && r.Preview.part.Source != nil && len(r.Attachments) == 0:
		r.u.printPart(r.Preview.part) // one of many attachments, listed (reader_parts.go)
	case len(rows) > 0:
		rows[0].Print.OnTapped()
	case pl != nil && len(pl.parts) > 0:
		r.u.printPart(pl.parts[0])
	}
}
