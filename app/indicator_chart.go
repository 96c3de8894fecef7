package app

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"comptoir/app/indicator"
)

// IndicatorChart draws the ratio month by month as bars, with the 5 % target as a line:
// green bars reach it, orange ones do not, grey ones have no dispensings (no ratio).
type IndicatorChart struct {
	widget.BaseWidget
	rows []indicator.Row
}

func newIndicatorChart() *IndicatorChart {
	c := &IndicatorChart{}
	c.ExtendBaseWidget(c)
	return c
}

func (c *IndicatorChart) set(rows []indicator.Row) {
	c.rows = append([]indicator.Row(nil), rows...)
	c.Refresh()
}

// Bars returns each month's label and bar height as a fraction of the chart's scale.
func (c *IndicatorChart) Bars() (labels []string, heights []float64) {
	scale := chartScale(c.rows)
	for _, r := range c.rows {
		labels = append(labels, r.Month.String())
		v, _ := r.Ratio()
		heights = append(heights, min(v/scale, 1))
	}
	return labels, heights
}

// chartScale is the ratio at the top of the chart: twice the target, or the best month.
func chartScale(rows []indicator.Row) float64 {
	scale := 2 * float64(indicator.TargetPercent) / 100
	for _, r := range rows {
		if v, ok := r.Ratio(); ok && v > scale {
			scale = v
		}
	}
	return scale
}

func (c *IndicatorChart) MinSize() fyne.Size { return fyne.NewSize(480, 220) }

func (c *IndicatorChart) CreateRenderer() fyne.WidgetRenderer {
	return &chartRenderer{c: c}
}

type chartRenderer struct {
	c       *IndicatorChart
	objects []fyne.CanvasObject
	size    fyne.Size
}

var (
	colorReached = color.NRGBA{R: 0x2e, G: 0x9d, B: 0x4f, A: 0xff}
	colorShort   = color.NRGBA{R: 0xe0, G: 0x8a, B: 0x1e, A: 0xff}
	colorUnknown = color.NRGBA{R: 0x9e, G: 0x9e, B: 0x9e, A: 0xff}
	colorTarget  = color.NRGBA{R: 0xc6, G: 0x28, B: 0x28, A: 0xff}
)

func (r *chartRenderer) build() {
	rows := r.c.rows
	r.objects = r.objects[:0]
	w, h := r.size.Width, r.size.Height
	if w <= 0 || h <= 0 {
		return
	}
	const labelH, axisW = 20, 44
	plotH := h - labelH
	scale := chartScale(rows)
	yOf := func(ratio float64) float32 { return plotH - float32(min(ratio/scale, 1))*plotH }
	axis := canvas.NewLine(theme.Color(theme.ColorNameForeground))
	axis.Position1, axis.Position2 = fyne.NewPos(axisW, plotH), fyne.NewPos(w, plotH)
	r.objects = append(r.objects, axis)
	n := len(rows)
	if n > 0 {
		slot := (w - axisW) / float32(n)
		for i, row := range rows {
			v, ok := row.Ratio()
			col := colorUnknown
			switch {
			case ok && row.Reached():
				col = colorReached
			case ok:
				col = colorShort
			}
			top := yOf(v)
			if !ok {
				top = plotH - 2 // a stub: the month exists but has no ratio
			}
			bar := canvas.NewRectangle(col)
			bar.Move(fyne.NewPos(axisW+float32(i)*slot+slot*0.15, top))
			bar.Resize(fyne.NewSize(slot*0.7, plotH-top))
			lbl := canvas.NewText(row.Month.Label(), theme.Color(theme.ColorNameForeground))
			lbl.TextSize = 10
			lbl.Alignment = fyne.TextAlignCenter
			lbl.Move(fyne.NewPos(axisW+float32(i)*slot, plotH+2))
			lbl.Resize(fyne.NewSize(slot, labelH-2))
			r.objects = append(r.objects, bar, lbl)
		}
	}
	target := float64(indicator.TargetPercent) / 100
	ty := yOf(target)
	line := canvas.NewLine(colorTarget)
	line.StrokeWidth = 2
	line.Position1, line.Position2 = fyne.NewPos(axisW, ty), fyne.NewPos(w, ty)
	tl := canvas.NewText(indicator.FormatPercent(target)+" %", colorTarget)
	tl.TextSize = 10
	tl.Move(fyne.NewPos(0, ty-8))
	r.objects = append(r.objects, line, tl)
}

func (r *chartRenderer) Layout(size fyne.Size) {
	r.size = size
	r.build()
}

func (r *chartRenderer) MinSize() fyne.Size { return r.c.MinSize() }

func (r *chartRenderer) Refresh() {
	r.build()
	canvas.Refresh(r.c)
}

func (r *chartRenderer) Objects() []fyne.CanvasObject { return r.objects }

func (r *chartRenderer) Destroy() {}
