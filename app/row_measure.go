package app

import (
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// rowMeasure measures and cuts the message list's texts without shaping them. Each rune's
// advance is measured once (fyne.MeasureText) per text size, style and font; a text's
// width is the sum of its runes'. Fyne's own ellipsis shaped every text of every rebound
// row at every frame, building a HarfBuzz font each time: that was most of a list frame.
// The sum leaves kerning out; rowTextMargin covers the difference (TestRowMeasure).
// Used on the UI goroutine only.
type rowMeasure struct {
	tables map[measureKey]*advances
}

type measureKey struct {
	size  float32
	style fyne.TextStyle
	font  string // the theme's font for the style: another theme, other advances
}

// advances are the runes' advances in one text size, style and font.
type advances struct {
	key      measureKey
	ascii    [128]float32 // < 0: not measured yet
	other    map[rune]float32
	height   float32 // a line's height
	ellipsis float32 // « … »
}

func newRowMeasure() *rowMeasure { return &rowMeasure{tables: map[measureKey]*advances{}} }

// table returns the advances for style in th's current text size and font: a theme or
// text size change measures anew.
func (m *rowMeasure) table(th fyne.Theme, style fyne.TextStyle) *advances {
	k := measureKey{size: th.Size(theme.SizeNameText), style: style}
	if f := th.Font(style); f != nil {
		k.font = f.Name()
	}
	if a, ok := m.tables[k]; ok {
		return a
	}
	a := &advances{key: k, other: map[rune]float32{}}
	for i := range a.ascii {
		a.ascii[i] = -1
	}
	s := fyne.MeasureText("…", k.size, style)
	a.ellipsis, a.height = s.Width, s.Height
	m.tables[k] = a
	return a
}

// advance is how far r moves the pen.
func (a *advances) advance(r rune) float32 {
	if r < utf8.RuneSelf {
		if w := a.ascii[r]; w >= 0 {
			return w
		}
		w := fyne.MeasureText(string(r), a.key.size, a.key.style).Width
		a.ascii[r] = w
		return w
	}
	if w, ok := a.other[r]; ok {
		return w
	}
	w := fyne.MeasureText(string(r), a.key.size, a.key.style).Width
	a.other[r] = w
	return w
}

// width is the room s takes on one line.
func (a *advances) width(s string) float32 {
	w := float32(0)
	for _, r := range s {
		w += a.advance(r)
	}
	return w
}

// fit is s as it shows in room px: whole when it fits; else cut at a rune (never before a
// combining mark), trailing spaces dropped, and « … » appended; "" when not even « … »
// fits. With whole set (an INS), a text that does not fit is left out rather than cut.
func (a *advances) fit(s string, room float32, whole bool) string {
	w, cut := float32(0), 0
	for i, r := range s {
		if !unicode.Is(unicode.Mn, r) && w+a.ellipsis <= room {
			cut = i
		}
		w += a.advance(r)
		if w > room {
			if whole {
				return ""
			}
			for cut > 0 && s[cut-1] == ' ' {
				cut--
			}
			if cut == 0 && a.ellipsis > room {
				return ""
			}
			return s[:cut] + "…"
		}
	}
	return s
}
