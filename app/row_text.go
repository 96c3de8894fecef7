package app

import (
	"image/color"
	"math"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// rowTextMargin is room a row text keeps beyond its measured width, so that kerning, which
// rowMeasure leaves out, never makes a drawn text wider than its place.
const rowTextMargin = 1

// RowText is one text of a message list row, drawn on one line like a widget.Label: whole
// when it fits, else cut with « … » (or, with Whole, left out). It holds the whole text;
// what it draws is cut from it with the row's rowMeasure, so binding a row to another
// message shapes no text.
type RowText struct {
	widget.BaseWidget
	Text       string // the whole text
	TextStyle  fyne.TextStyle
	Importance widget.Importance
	Whole      bool // shown whole or not at all (an INS)

	measure *rowMeasure
	text    *canvas.Text // what shows
	objs    []fyne.CanvasObject

	// what text shows was cut for
	fitText string
	fitRoom float32
	fitTab  *advances
}

func newRowText(m *rowMeasure) *RowText {
	t := &RowText{measure: m, text: canvas.NewText("", color.Transparent)}
	t.objs = []fyne.CanvasObject{t.text}
	t.ExtendBaseWidget(t)
	return t
}

// set changes the text and its look; the row lays its texts out after.
func (t *RowText) set(text string, bold bool, imp widget.Importance) {
	t.Text, t.TextStyle.Bold, t.Importance = text, bold, imp
}

// Cut reports whether the text does not show whole (cut, or left out).
func (t *RowText) Cut() bool { return t.Text != "" && t.text.Text != t.Text }

// need is the width that shows the whole text (0 without text).
func (t *RowText) need(th fyne.Theme) float32 {
	if t.Text == "" {
		return 0
	}
	w := t.measure.table(th, t.TextStyle).width(t.Text)
	return float32(math.Ceil(float64(w))) + 2*th.Size(theme.SizeNameInnerPadding) + rowTextMargin
}

// height is a line's height with its padding.
func (t *RowText) height(th fyne.Theme) float32 {
	return t.measure.table(th, t.TextStyle).height + 2*th.Size(theme.SizeNameInnerPadding)
}

// sync cuts the text to the room it has and updates what shows, refreshing only on a change.
func (t *RowText) sync(th fyne.Theme) {
	pad := th.Size(theme.SizeNameInnerPadding)
	tab := t.measure.table(th, t.TextStyle)
	room := t.Size().Width - 2*pad - rowTextMargin
	shown := t.text.Text
	if t.Text != t.fitText || room != t.fitRoom || tab != t.fitTab {
		t.fitText, t.fitRoom, t.fitTab = t.Text, room, tab
		shown = oneLine(tab.fit(t.Text, room, t.Whole))
	}
	col := th.Color(importanceColor(t.Importance), fyne.CurrentApp().Settings().ThemeVariant())
	size := th.Size(theme.SizeNameText)
	t.text.Move(fyne.NewPos(pad, pad))
	t.text.Resize(fyne.NewSize(max(0, t.Size().Width-2*pad), tab.height))
	if shown == t.text.Text && col == t.text.Color && size == t.text.TextSize && t.TextStyle == t.text.TextStyle {
		return
	}
	t.text.Text, t.text.Color, t.text.TextSize, t.text.TextStyle = shown, col, size, t.TextStyle
	t.text.Refresh()
}

// oneLine shows control characters (a tab, a line break) as spaces.
func oneLine(s string) string {
	if strings.IndexFunc(s, isControl) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return ' '
		}
		return r
	}, s)
}

func isControl(r rune) bool { return r < ' ' || r == 0x7f }

// importanceColor is the colour a widget.Label of that importance draws its text in.
func importanceColor(imp widget.Importance) fyne.ThemeColorName {
	switch imp {
	case widget.LowImportance:
		return theme.ColorNameDisabled
	case widget.HighImportance:
		return theme.ColorNamePrimary
	case widget.DangerImportance:
		return theme.ColorNameError
	case widget.WarningImportance:
		return theme.ColorNameWarning
	case widget.SuccessImportance:
		return theme.ColorNameSuccess
	}
	return theme.ColorNameForeground
}

func (t *RowText) CreateRenderer() fyne.WidgetRenderer { return rowTextRenderer{t} }

type rowTextRenderer struct{ t *RowText }

func (r rowTextRenderer) Layout(fyne.Size) { r.t.sync(r.t.Theme()) }

func (r rowTextRenderer) MinSize() fyne.Size {
	th := r.t.Theme()
	tab := r.t.measure.table(th, r.t.TextStyle)
	return fyne.NewSize(tab.ellipsis+2*th.Size(theme.SizeNameInnerPadding), r.t.height(th))
}

func (r rowTextRenderer) Refresh()                     { r.t.sync(r.t.Theme()) }
func (r rowTextRenderer) Objects() []fyne.CanvasObject { return r.t.objs }
func (r rowTextRenderer) Destroy()                     {}
