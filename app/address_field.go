package app

import (
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// suggestMinRunes is how many letters of an address the composer waits for before it
// suggests recipients.
const suggestMinRunes = 3

// Suggestion is one recipient offered while an address is typed: the readable name on the
// first line, what tells homonyms apart (profession, town, the address and its kind) on
// the second.
type Suggestion struct {
	Address      Address
	Name, Detail string
}

// AddressField is a To/Cc field that suggests recipients as the user types: after three
// letters of the address being typed, a list under the field shows the known
// correspondents and the Annuaire Santé's entries (« aucun résultat » when none); the arrow
// keys move in it, Entrée takes the highlighted one, Échap closes it.
type AddressField struct {
	widget.Entry

	// Suggestions is the list under the field (nil until first shown).
	Suggestions *SuggestionBox

	layer   *fyne.Container // the window's top layer, where the list is drawn
	suggest func(prefix string, done func([]Suggestion))
	seq     int // a newer keystroke drops the answer for an older one
	touch   func()
}

func newAddressField(layer *fyne.Container, none string, suggest func(prefix string, done func([]Suggestion)), touch func()) *AddressField {
	f := &AddressField{layer: layer, suggest: suggest, touch: touch}
	f.ExtendBaseWidget(f)
	f.Wrapping = fyne.TextWrapOff
	f.Scroll = container.ScrollHorizontalOnly
	f.Suggestions = newSuggestionBox(none, f.choose)
	f.Suggestions.Hide()
	layer.Add(f.Suggestions)
	f.OnChanged = func(string) { f.changed() }
	return f
}

// changed asks for suggestions for the address being typed.
func (f *AddressField) changed() {
	if f.touch != nil {
		f.touch()
	}
	f.seq++
	_, last := splitLastAddress(f.Text)
	if utf8.RuneCountInString(last) < suggestMinRunes || strings.HasSuffix(last, ">") {
		f.hideSuggestions()
		return
	}
	seq := f.seq
	f.suggest(last, func(list []Suggestion) {
		if seq != f.seq {
			return
		}
		f.showSuggestions(list)
	})
}

func (f *AddressField) showSuggestions(list []Suggestion) {
	f.Suggestions.set(list)
	c := fyne.CurrentApp().Driver().CanvasForObject(f)
	if c == nil {
		return
	}
	// The layer may not start at the canvas' origin (the window's padding).
	d := fyne.CurrentApp().Driver()
	pos := d.AbsolutePositionForObject(f).Subtract(d.AbsolutePositionForObject(f.layer))
	pos = pos.Add(fyne.NewPos(0, f.Size().Height))
	width := fyne.Max(f.Size().Width, 360)
	height := fyne.Min(f.Suggestions.MinSize().Height, fyne.Max(c.Size().Height-pos.Y-theme.Padding(), 2*theme.TextSize()))
	f.Suggestions.Move(pos)
	f.Suggestions.Resize(fyne.NewSize(width, height))
	f.Suggestions.Show()
	f.layer.Refresh()
}

func (f *AddressField) hideSuggestions() {
	if f.Suggestions.Visible() {
		f.Suggestions.Hide()
		f.layer.Refresh()
	}
}

// choose puts the suggestion in place of the address being typed, ready for the next one.
func (f *AddressField) choose(s Suggestion) {
	head, _ := splitLastAddress(f.Text)
	f.seq++ // the text set below asks for nothing
	f.SetText(head + s.Address.String() + ", ")
	f.CursorColumn = utf8.RuneCountInString(f.Text)
	f.Refresh()
	f.hideSuggestions()
	if c := fyne.CurrentApp().Driver().CanvasForObject(f); c != nil {
		c.Focus(f)
	}
}

// TypedKey moves in the suggestions while they show; other keys edit the field.
func (f *AddressField) TypedKey(k *fyne.KeyEvent) {
	if f.Suggestions.Visible() {
		switch k.Name {
		case fyne.KeyDown:
			f.Suggestions.move(1)
			return
		case fyne.KeyUp:
			f.Suggestions.move(-1)
			return
		case fyne.KeyReturn, fyne.KeyEnter:
			if s, ok := f.Suggestions.Selected(); ok {
				f.choose(s)
				return
			}
		case fyne.KeyEscape:
			f.hideSuggestions()
			return
		}
	}
	f.Entry.TypedKey(k)
}

// FocusLost closes the suggestions (a tap on one of them keeps the focus: see
// suggestionRow).
func (f *AddressField) FocusLost() {
	f.hideSuggestions()
	f.Entry.FocusLost()
}

// SuggestionBox is the list of suggestions under an address field.
type SuggestionBox struct {
	widget.BaseWidget
	Rows []*SuggestionRow
	// None is « aucun résultat », shown when nothing matches.
	None *widget.Label

	list     []Suggestion
	selected int
	box      *fyne.Container
	bg       *canvas.Rectangle
	choose   func(Suggestion)
}

func newSuggestionBox(none string, choose func(Suggestion)) *SuggestionBox {
	b := &SuggestionBox{choose: choose, selected: -1, box: container.NewVBox(), bg: canvas.NewRectangle(theme.Color(theme.ColorNameOverlayBackground))}
	b.bg.StrokeColor = theme.Color(theme.ColorNameInputBorder)
	b.bg.StrokeWidth = 1
	b.None = widget.NewLabelWithStyle(none, fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	b.ExtendBaseWidget(b)
	return b
}

func (b *SuggestionBox) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewStack(b.bg, container.NewVScroll(b.box)))
}

// MinSize is the whole list's height (the field caps it to the window).
func (b *SuggestionBox) MinSize() fyne.Size {
	b.ExtendBaseWidget(b)
	return b.box.MinSize()
}

func (b *SuggestionBox) set(list []Suggestion) {
	b.list, b.selected = list, -1
	b.Rows = nil
	b.box.RemoveAll()
	if len(list) == 0 {
		b.box.Add(b.None)
	}
	for i, s := range list {
		r := newSuggestionRow(s, func() { b.choose(s) })
		r.index = i
		b.Rows = append(b.Rows, r)
		b.box.Add(r)
	}
	if len(list) > 0 {
		b.selected = 0
	}
	b.highlight()
	b.bg.FillColor = theme.Color(theme.ColorNameOverlayBackground)
	b.Refresh()
}

func (b *SuggestionBox) move(d int) {
	if len(b.list) == 0 {
		return
	}
	b.selected = (b.selected + d + len(b.list)) % len(b.list)
	b.highlight()
}

func (b *SuggestionBox) highlight() {
	for i, r := range b.Rows {
		r.setSelected(i == b.selected)
	}
}

// Selected is the highlighted suggestion.
func (b *SuggestionBox) Selected() (Suggestion, bool) {
	if b.selected < 0 || b.selected >= len(b.list) {
		return Suggestion{}, false
	}
	return b.list[b.selected], true
}

// Texts are the suggestions as shown, one per row ("name — detail"), or « aucun résultat ».
func (b *SuggestionBox) Texts() []string {
	if len(b.list) == 0 {
		return []string{b.None.Text}
	}
	out := make([]string, len(b.list))
	for i, s := range b.list {
		out[i] = joinNonEmpty(" — ", s.Name, s.Detail)
	}
	return out
}

// SuggestionRow is one suggestion: its name in bold, the detail under it. It takes focus
// requests without taking the focus, so a tap on it leaves the field focused.
type SuggestionRow struct {
	widget.BaseWidget
	Name, Detail *widget.Label

	index int
	bg    *canvas.Rectangle
	tap   func()
}

func newSuggestionRow(s Suggestion, tap func()) *SuggestionRow {
	r := &SuggestionRow{tap: tap, bg: canvas.NewRectangle(nil)}
	r.Name = widget.NewLabelWithStyle(s.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	r.Name.Truncation = fyne.TextTruncateEllipsis
	r.Detail = widget.NewLabel(s.Detail)
	r.Detail.Truncation = fyne.TextTruncateEllipsis
	r.Detail.SizeName = theme.SizeNameCaptionText
	r.ExtendBaseWidget(r)
	return r
}

func (r *SuggestionRow) CreateRenderer() fyne.WidgetRenderer {
	lines := container.New(&tightVBox{}, r.Name, r.Detail)
	return widget.NewSimpleRenderer(container.NewStack(r.bg, lines))
}

func (r *SuggestionRow) setSelected(on bool) {
	if on {
		r.bg.FillColor = theme.Color(theme.ColorNameSelection)
	} else {
		r.bg.FillColor = nil
	}
	r.bg.Refresh()
}

// Tapped chooses the suggestion.
func (r *SuggestionRow) Tapped(*fyne.PointEvent) { r.tap() }

// The row is Focusable only so that tapping it does not take the focus from the field
// (Fyne unfocuses on a tap outside any focusable widget); it never asks for the focus.
func (r *SuggestionRow) FocusGained()            {}
func (r *SuggestionRow) FocusLost()              {}
func (r *SuggestionRow) TypedRune(rune)          {}
func (r *SuggestionRow) TypedKey(*fyne.KeyEvent) {}

// tightVBox stacks its objects with no padding between them (a name and its detail).
type tightVBox struct{}

func (tightVBox) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var w, h float32
	for _, o := range objs {
		s := o.MinSize()
		w = fyne.Max(w, s.Width)
		h += s.Height - theme.InnerPadding()
	}
	return fyne.NewSize(w, h+theme.InnerPadding())
}

func (tightVBox) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	y := float32(0)
	for _, o := range objs {
		h := o.MinSize().Height
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, h))
		y += h - theme.InnerPadding()
	}
}
