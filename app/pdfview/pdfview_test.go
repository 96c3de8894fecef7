package pdfview

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
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

// TestSubprocess renders through a child process: this test binary, run as TestServeChild.
func TestSubprocess(t *testing.T) {
	pdf, err := os.ReadFile("testdata/ordonnance.pdf")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PDFVIEW_CHILD", "1")
	s := Subprocess{Exe: os.Args[0], Args: []string{"-test.run=^TestServeChild$", "--"}}
	img, pages, err := s.RenderPage(context.Background(), pdf, 0, 72)
	if err != nil {
		t.Fatal(err)
	}
	if pages != 1 || img.Bounds().Dx() != 595 {
		t.Fatalf("pages %d, bounds %v", pages, img.Bounds())
	}
	if _, _, err := s.RenderPage(context.Background(), []byte("%PDF-1.4 broken"), 0, 72); err == nil {
		t.Fatal("a broken PDF rendered")
	}
}

// TestServeChild is TestSubprocess's renderer process.
func TestServeChild(t *testing.T) {
	if os.Getenv("PDFVIEW_CHILD") != "1" {
		return // runs only as TestSubprocess's child
	}
	args := flag.Args()
	page, dpi := 0, 72.0
	for i := 0; i+1 < len(args); i += 2 {
		switch args[i] {
		case "-page":
			page, _ = strconv.Atoi(args[i+1])
		case "-dpi":
			dpi, _ = strconv.ParseFloat(args[i+1], 64)
		}
	}
	if err := Serve(context.Background(), os.Stdin, os.Stdout, page, dpi, testCache()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// BenchmarkRenderPage reports PDFium's start (compilation cache warm) and one A4 page at 96 dpi.
func BenchmarkRenderPage(b *testing.B) {
	pdf, err := os.ReadFile("testdata/ordonnance.pdf")
	if err != nil {
		b.Fatal(err)
	}
	r := New(testCache())
	defer r.Close()
	t0 := time.Now()
	if _, _, err := r.RenderPage(context.Background(), pdf, 0, 96); err != nil {
		b.Fatal(err)
	}
	start := time.Since(t0)
	for b.Loop() {
		if _, _, err := r.RenderPage(context.Background(), pdf, 0, 96); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(start.Milliseconds()), "ms-start+first-page")
}
