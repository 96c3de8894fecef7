package app

import (
	"bytes"
	"image"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"github.com/fyne-io/oksvg"
	"github.com/srwiley/rasterx"
)

// rowIconPixels is the size the list's icons are rasterised at: twice the inline icon size,
// sharp on high-density screens, scaled down by the GPU elsewhere.
const rowIconPixels = 2 * 20

// rowIcons rasterises the message list's icons once per icon and colour. A themed SVG in a
// widget.Icon is recoloured and parsed again at every refresh, show or resize, and a
// list jump rebinds every row: that was most of a frame. Used on the UI goroutine only.
type rowIcons struct {
	cache map[rowIconKey]image.Image
}

type rowIconKey struct {
	name string
	col  color.RGBA
}

func newRowIcons() *rowIcons { return &rowIcons{cache: map[rowIconKey]image.Image{}} }

// image returns res rasterised in its theme colour (the current one: a theme change
// makes a new entry), or nil if it cannot be drawn.
func (ri *rowIcons) image(res fyne.Resource) image.Image {
	var col color.Color = color.Black
	if tr, ok := res.(fyne.ThemedResource); ok {
		col = theme.Color(tr.ThemeColorName())
	}
	r, g, b, a := col.RGBA()
	key := rowIconKey{name: res.Name(), col: color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)}}
	if img, ok := ri.cache[key]; ok {
		return img
	}
	img := rasterise(res.Content(), rowIconPixels) // a ThemedResource's Content is recoloured
	ri.cache[key] = img
	return img
}

// rasterise draws an SVG icon into a square of px pixels; nil if it cannot be read.
func rasterise(svg []byte, px int) image.Image {
	icon, err := oksvg.ReadIconStream(bytes.NewReader(svg))
	if err != nil {
		fyne.LogError("rasterise list icon", err)
		return nil
	}
	icon.SetTarget(0, 0, float64(px), float64(px))
	img := image.NewNRGBA(image.Rect(0, 0, px, px))
	scanner := rasterx.NewScannerGV(px, px, img, img.Bounds())
	icon.Draw(rasterx.NewDasher(px, px, scanner), 1)
	return img
}
