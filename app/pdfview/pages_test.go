package pdfview

import (
	"bytes"
	"context"
	"errors"
	"image"
	"testing"
	"time"

	"comptoir/app/pdfview/pdftest"
)

// samePixels reports whether a and b are the same RGBA image.
func samePixels(a, b image.Image) bool {
	ra, ok1 := a.(*image.RGBA)
	rb, ok2 := b.(*image.RGBA)
	return ok1 && ok2 && ra.Rect == rb.Rect && bytes.Equal(ra.Pix, rb.Pix)
}

// A document's pages are rendered by one child, which keeps the document: the next pages
// need no start and no second copy of the document.
func TestDocumentPagesInOneChild(t *testing.T) {
	s := subprocess(t)
	var seen pids
	seen.watch(s)
	d := s.Open(pdftest.Pages("Un", "Deux", "Trois"))
	defer d.Close()
	ctx := context.Background()
	var imgs []image.Image
	for page := range 3 {
		img, pages, err := d.RenderPage(ctx, page, 72)
		if err != nil {
			t.Fatalf("page %d: %v", page+1, err)
		}
		if pages != 3 || img.Bounds().Dx() != 595 || img.Bounds().Dy() != 842 {
			t.Fatalf("page %d: %d pages, %v", page+1, pages, img.Bounds())
		}
		imgs = append(imgs, img)
	}
	if samePixels(imgs[0], imgs[1]) || samePixels(imgs[1], imgs[2]) {
		t.Fatal("two pages rendered alike")
	}
	// A page asked again at another resolution (the preview zoomed in).
	img, _, err := d.RenderPage(ctx, 0, 144)
	if err != nil || img.Bounds().Dx() != 1190 {
		t.Fatalf("page 1 at 144 dpi: %v, %v", err, img.Bounds())
	}
	// A page that does not exist is refused, and the child goes on.
	if _, pages, err := d.RenderPage(ctx, 7, 72); err == nil || pages != 3 {
		t.Fatalf("page 8 of 3: %v, %d pages", err, pages)
	}
	if _, _, err := d.RenderPage(ctx, 2, 72); err != nil {
		t.Fatalf("page 3 after the refusal: %v", err)
	}
	seen.mu.Lock()
	defer seen.mu.Unlock()
	for _, pid := range seen.list {
		if pid != seen.list[0] {
			t.Fatalf("pages rendered by processes %v, want one", seen.list)
		}
	}
}

// Moving on while a page renders (a bomb on page 2) kills the child at once; the next page
// is rendered by another child.
func TestDocumentCancelKillsChildNextPageRenders(t *testing.T) {
	s := subprocess(t)
	var seen pids
	seen.watch(s)
	d := s.Open(pdftest.FormBombOnPage(3, 1, 22))
	defer d.Close()
	if _, _, err := d.RenderPage(context.Background(), 0, 96); err != nil {
		t.Fatal(err)
	}
	first := seen.last()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, _, err := d.RenderPage(ctx, 1, 96)
		done <- err
	}()
	seen.waitFor(t, "2 renders asked", time.Minute, func() bool { return len(seen.list) >= 2 })
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled page: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("RenderPage did not return after cancel")
	}
	seen.waitGone(t, first)
	img, pages, err := d.RenderPage(context.Background(), 2, 96)
	if err != nil || pages != 3 || img == nil {
		t.Fatalf("page 3 after the cancel: %v", err)
	}
	if seen.last() == first {
		t.Fatal("page 3 was asked of the killed child")
	}
}

// A page that runs over the time limit is stopped; the document's other pages still show.
func TestDocumentTimeoutNextPageRenders(t *testing.T) {
	s := subprocess(t)
	s.Timeout = 2 * time.Second * slowdown
	d := s.Open(pdftest.FormBombOnPage(3, 1, 22))
	defer d.Close()
	ctx := context.Background()
	if _, _, err := d.RenderPage(ctx, 0, 96); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.RenderPage(ctx, 1, 96); !errors.Is(err, ErrTimeout) && !errors.Is(err, ErrResources) {
		t.Fatalf("the bomb page: %v, want ErrTimeout or ErrResources", err)
	}
	if _, _, err := d.RenderPage(ctx, 2, 96); err != nil {
		t.Fatalf("page 3 after the bomb: %v", err)
	}
}

// A child left without a page for DocumentIdle is stopped; a later page starts another.
func TestDocumentIdleStopsChild(t *testing.T) {
	s := subprocess(t)
	s.DocumentIdle = 100 * time.Millisecond
	var seen pids
	seen.watch(s)
	d := s.Open(pdftest.Pages("Un", "Deux"))
	defer d.Close()
	if _, _, err := d.RenderPage(context.Background(), 0, 72); err != nil {
		t.Fatal(err)
	}
	seen.waitGone(t, seen.last())
	if _, _, err := d.RenderPage(context.Background(), 1, 72); err != nil {
		t.Fatalf("page 2 after the idle stop: %v", err)
	}
}

// A kept child found dead when the next page is asked (killed from outside, crashed while
// idle) is replaced: the page renders.
func TestDocumentDeadChildReplaced(t *testing.T) {
	s := subprocess(t)
	d := s.Open(pdftest.Pages("Un", "Deux"))
	defer d.Close()
	if _, _, err := d.RenderPage(context.Background(), 0, 72); err != nil {
		t.Fatal(err)
	}
	d.mu.Lock()
	c := d.c
	d.mu.Unlock()
	c.cmd.Process.Kill()
	c.cmd.Process.Wait() // gone, its end of the pipe closed
	if _, _, err := d.RenderPage(context.Background(), 1, 72); err != nil {
		t.Fatalf("page 2 after the child died: %v", err)
	}
}

// Close stops the child and later pages are refused.
func TestDocumentClose(t *testing.T) {
	s := subprocess(t)
	var seen pids
	seen.watch(s)
	d := s.Open(pdftest.Pages("Un", "Deux"))
	if _, _, err := d.RenderPage(context.Background(), 0, 72); err != nil {
		t.Fatal(err)
	}
	d.Close()
	seen.waitGone(t, seen.last())
	if _, _, err := d.RenderPage(context.Background(), 1, 72); err == nil {
		t.Fatal("a page of a closed document rendered")
	}
}

// BenchmarkDocumentNextPage is « Page suivante » once a document shows: the next page asked
// of the child that keeps the document.
func BenchmarkDocumentNextPage(b *testing.B) {
	s := subprocess(b)
	d := s.Open(pdftest.Pages("Un", "Deux", "Trois", "Quatre"))
	defer d.Close()
	if _, _, err := d.RenderPage(context.Background(), 0, 96); err != nil {
		b.Fatal(err)
	}
	page := 0
	for b.Loop() {
		page = (page + 1) % 4
		if _, _, err := d.RenderPage(context.Background(), page, 96); err != nil {
			b.Fatal(err)
		}
	}
}
