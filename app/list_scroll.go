package app

import (
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// ScrollTo shows row id, scrolling no more than needed, as widget.List.ScrollTo does but
// without refreshing the whole list. A List refresh binds every shown row again, builds a
// row to measure the rows' height, and drops the spare rows the list keeps for scrolling:
// each jump (a folder opened, the arrows, a search result) then built a new row per line
// and left the old ones to the garbage collector. Scrolling by offset reuses the spare rows
// and binds only the rows that come into view.
func (l *MessageList) ScrollTo(id widget.ListItemID) {
	if l.Length == nil || id < 0 || id >= l.Length() {
		return
	}
	// The rows have one height (no SetItemHeight): the list places row i at
	// i × (row height + padding), as widget.List does.
	h := l.rowHeight()
	y := float32(id) * (h + l.Theme().Size(theme.SizeNamePadding))
	off, view := l.GetScrollOffset(), l.Size().Height
	switch {
	case y < off:
		off = y
	case y+h > off+view:
		off = y + h - view
	default:
		return
	}
	l.ScrollToOffset(off)
}

// rowHeight is a row's height as the list lays rows out: an empty row's minimum, as
// widget.List measures it (texts do not change a row's height).
func (l *MessageList) rowHeight() float32 {
	if l.template == nil {
		l.template = newMessageRow(l.m.u.tips, l.icons, l.measure)
	}
	return l.template.MinSize().Height
}
