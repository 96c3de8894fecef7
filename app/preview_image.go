package app

import (
	"context"
	"image"
	"image/color"
	"math"
)

// maxTurnedPixels bounds the image a quarter turn produces (64 MiB of RGBA): a larger photo
// is turned at a reduced size (every 2nd pixel or fewer, averaged), plenty for a pane.
const maxTurnedPixels = 16 << 20

// turnImage returns src turned clockwise by quarters quarter turns (1: 90°), as RGBA at most
// maxTurnedPixels. It runs off the UI goroutine (a photo takes tens of milliseconds) and stops
// early, returning nil, when ctx ends.
func turnImage(ctx context.Context, src image.Image, quarters int) *image.RGBA {
	b := src.Bounds()
	k := 1 // reduction: each output pixel averages k×k source pixels
	for (b.Dx()/k)*(b.Dy()/k) > maxTurnedPixels {
		k++
	}
	w, h := b.Dx()/k, b.Dy()/k
	quarters = ((quarters % 4) + 4) % 4
	dw, dh := w, h
	if quarters%2 == 1 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	at := pixelReader(src)
	for y := 0; y < h; y++ {
		if y%64 == 0 && ctx.Err() != nil {
			return nil
		}
		for x := 0; x < w; x++ {
			var c [4]uint32
			for j := 0; j < k; j++ {
				for i := 0; i < k; i++ {
					p := at(b.Min.X+x*k+i, b.Min.Y+y*k+j)
					c[0] += uint32(p.R)
					c[1] += uint32(p.G)
					c[2] += uint32(p.B)
					c[3] += uint32(p.A)
				}
			}
			n := uint32(k * k)
			dx, dy := x, y
			switch quarters {
			case 1:
				dx, dy = h-1-y, x
			case 2:
				dx, dy = w-1-x, h-1-y
			case 3:
				dx, dy = y, w-1-x
			}
			o := dst.PixOffset(dx, dy)
			dst.Pix[o], dst.Pix[o+1], dst.Pix[o+2], dst.Pix[o+3] = uint8(c[0]/n), uint8(c[1]/n), uint8(c[2]/n), uint8(c[3]/n)
		}
	}
	return dst
}

// pixelReader returns a fast reader of src's premultiplied pixels for the kinds the preview
// shows (PDF pages: RGBA; JPEG photos: YCbCr or Gray; PNG: RGBA or NRGBA), src.At otherwise.
func pixelReader(src image.Image) func(x, y int) color.RGBA {
	switch s := src.(type) {
	case *image.RGBA:
		return func(x, y int) color.RGBA {
			o := s.PixOffset(x, y)
			return color.RGBA{s.Pix[o], s.Pix[o+1], s.Pix[o+2], s.Pix[o+3]}
		}
	case *image.YCbCr:
		return func(x, y int) color.RGBA {
			c := s.YCbCrAt(x, y)
			r, g, b := color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
			return color.RGBA{r, g, b, 0xff}
		}
	case *image.Gray:
		return func(x, y int) color.RGBA {
			v := s.Pix[s.PixOffset(x, y)]
			return color.RGBA{v, v, v, 0xff}
		}
	}
	return func(x, y int) color.RGBA {
		return color.RGBAModel.Convert(src.At(x, y)).(color.RGBA)
	}
}

// maxPreviewDPI bounds the resolution a page is rendered at for the preview; the renderer's
// own pixel caps (pdfview.MaxPixels) apply below it.
const maxPreviewDPI = 300

// sharperDPI is the resolution at which a page rendered at dpi, with across pixels along the
// side shown across the pane, fills want screen pixels; 0 when the page is sharp enough
// (within 15 %) or cannot get sharper.
func sharperDPI(dpi float64, across int, want float32) float64 {
	if dpi <= 0 || across <= 0 || float64(want) <= float64(across)*1.15 {
		return 0
	}
	d := math.Min(math.Ceil(dpi*float64(want)/float64(across)/12)*12, maxPreviewDPI)
	if d <= dpi {
		return 0
	}
	return d
}
