package app

import (
	"math"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// columns lays wrapped labels out as a table of n columns: each column is at least as wide
// as its longest word (a wrapped text never breaks inside a word when the room allows it),
// the room left is shared equally, and each row is as tall as its tallest cell.
type columns struct{ n int }

func (c columns) widths(objs []fyne.CanvasObject) []float32 {
	w := make([]float32, c.n)
	for i, o := range objs {
		w[i%c.n] = fyne.Max(w[i%c.n], longestWord(o))
	}
	return w
}

// longestWord is the room o needs without breaking a word (its minimum if not a label).
func longestWord(o fyne.CanvasObject) float32 {
	l, ok := o.(*widget.Label)
	if !ok || l.Wrapping == fyne.TextWrapOff {
		return o.MinSize().Width
	}
	var w float32
	for _, word := range strings.Fields(l.Text) {
		w = fyne.Max(w, labelWidth(word, l.TextStyle))
	}
	return w
}

func (c columns) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var width, height float32
	for _, w := range c.widths(objs) {
		width += w
	}
	for row := 0; row*c.n < len(objs); row++ {
		var h float32
		for _, o := range objs[row*c.n : min(len(objs), (row+1)*c.n)] {
			h = fyne.Max(h, o.MinSize().Height)
		}
		height += h
	}
	return fyne.NewSize(width+float32(c.n-1)*theme.Padding(), height)
}

func (c columns) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	w := c.widths(objs)
	var total float32
	for _, x := range w {
		total += x
	}
	extra := fyne.Max(0, (size.Width-total-float32(c.n-1)*theme.Padding())/float32(c.n))
	var y float32
	for row := 0; row*c.n < len(objs); row++ {
		cells := objs[row*c.n : min(len(objs), (row+1)*c.n)]
		var h float32
		for i, o := range cells {
			o.Resize(fyne.NewSize(w[i]+extra, o.Size().Height))
			h = fyne.Max(h, o.MinSize().Height)
		}
		var x float32
		for i, o := range cells {
			o.Move(fyne.NewPos(x, y))
			o.Resize(fyne.NewSize(w[i]+extra, h))
			x += w[i] + extra + theme.Padding()
		}
		y += h
	}
}

// labelWidth is the room a label needs for text: the text, its padding, and 2 px that the
// truncation's shaper (which rounds the room down) wants more than fyne.MeasureText says.
func labelWidth(text string, style fyne.TextStyle) float32 {
	if text == "" {
		return 0
	}
	return float32(math.Ceil(float64(fyne.MeasureText(text, theme.TextSize(), style).Width))) + 2*theme.InnerPadding() + 2
}
