package pdfview

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// testCache keeps wazero's compiled PDFium between test runs (compiling takes seconds).
func testCache() string { return filepath.Join(os.TempDir(), "comptoir-pdfium-cache") }

func TestRenderPage(t *testing.T) {
	pdf, err := os.ReadFile("testdata/ordonnance.pdf")
	if err != nil {
		t.Fatal(err)
	}
	r := New(testCache())
	defer r.Close()
	start := time.Now()
	img, pages, err := r.RenderPage(context.Background(), pdf, 0, 72)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first render (start included) %v", time.Since(start))
	if pages != 1 {
		t.Fatalf("pages = %d, want 1", pages)
	}
	if b := img.Bounds(); b.Dx() != 595 || b.Dy() != 842 {
		t.Fatalf("A4 page at 72 dpi rendered as %v", b)
	}
	dark := 0
	for y := 40; y < 120; y++ {
		for x := 60; x < 400; x++ {
			if r, _, _, _ := img.At(x, y).RGBA(); r < 0x8000 {
				dark++
			}
		}
	}
	if dark == 0 {
		t.Fatal("no text drawn where the PDF writes its title")
	}
	if _, _, err := r.RenderPage(context.Background(), pdf, 3, 72); err == nil {
		t.Fatal("page 4 of a 1-page PDF rendered")
	}
	if _, _, err := r.RenderPage(context.Background(), []byte("%PDF-1.4 broken"), 0, 72); err == nil {
		t.Fatal("a broken PDF rendered")
	}
}
