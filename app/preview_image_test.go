package app

import (
	"context"
	"image"
	"image/color"
	"testing"
)

// A 3×2 image with a distinct pixel at each place, turned a quarter at a time.
func TestTurnImage(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for y := 0; y < 2; y++ {
		for x := 0; x < 3; x++ {
			src.SetRGBA(x, y, color.RGBA{uint8(10*x + y), 0, 0, 255})
		}
	}
	id := func(x, y int) uint8 { return uint8(10*x + y) }
	for _, c := range []struct {
		quarters int
		w, h     int
		// where source pixel (x, y) lands
		at func(x, y int) (int, int)
	}{
		{0, 3, 2, func(x, y int) (int, int) { return x, y }},
		{1, 2, 3, func(x, y int) (int, int) { return 1 - y, x }}, // top-left goes top-right
		{2, 3, 2, func(x, y int) (int, int) { return 2 - x, 1 - y }},
		{3, 2, 3, func(x, y int) (int, int) { return y, 2 - x }},
		{5, 2, 3, func(x, y int) (int, int) { return 1 - y, x }},
	} {
		dst := turnImage(context.Background(), src, c.quarters)
		if dst.Bounds().Dx() != c.w || dst.Bounds().Dy() != c.h {
			t.Fatalf("%d quarters: %v", c.quarters, dst.Bounds())
		}
		for y := 0; y < 2; y++ {
			for x := 0; x < 3; x++ {
				dx, dy := c.at(x, y)
				if got := dst.RGBAAt(dx, dy).R; got != id(x, y) {
					t.Errorf("%d quarters: source (%d,%d) at (%d,%d) is %d", c.quarters, x, y, dx, dy, got)
				}
			}
		}
	}
}

// A photo (JPEG decodes to YCbCr) is turned with its colours; one over maxTurnedPixels is
// turned at a reduced size.
func TestTurnImagePhoto(t *testing.T) {
	src := image.NewYCbCr(image.Rect(0, 0, 4, 2), image.YCbCrSubsampleRatio444)
	for i := range src.Y {
		src.Y[i], src.Cb[i], src.Cr[i] = 255, 128, 128 // white (JPEG's full range)
	}
	dst := turnImage(context.Background(), src, 1)
	if dst.Bounds() != image.Rect(0, 0, 2, 4) || dst.RGBAAt(0, 0) != (color.RGBA{255, 255, 255, 255}) {
		t.Fatalf("turned photo: %v, %v", dst.Bounds(), dst.RGBAAt(0, 0))
	}
	big := image.NewGray(image.Rect(0, 0, 6000, 4000)) // 24 Mpx
	dst = turnImage(context.Background(), big, 1)
	if b := dst.Bounds(); b.Dx()*b.Dy() > maxTurnedPixels || b.Dx() != 2000 || b.Dy() != 3000 {
		t.Fatalf("a 24 Mpx photo turned to %v", b)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if turnImage(ctx, big, 1) != nil {
		t.Fatal("a cancelled turn went on")
	}
}

func TestSharperDPI(t *testing.T) {
	for _, c := range []struct {
		dpi    float64
		across int
		want   float32
		got    float64
	}{
		{96, 794, 600, 0},    // A4 at 96 dpi in a 600 px pane: sharp enough
		{96, 794, 900, 0},    // 13 % short: still
		{96, 794, 1200, 156}, // zoomed: 145 dpi, rounded up to 12
		{96, 794, 5000, maxPreviewDPI},
		{300, 2480, 9000, 0}, // at the cap already
		{0, 794, 1200, 0},
	} {
		if got := sharperDPI(c.dpi, c.across, c.want); got != c.got {
			t.Errorf("sharperDPI(%g, %d, %g) = %g, want %g", c.dpi, c.across, c.want, got, c.got)
		}
	}
}
