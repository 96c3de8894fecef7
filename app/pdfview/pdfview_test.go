package pdfview

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"comptoir/app/pdfview/pdftest"
)

// TestMain makes this test binary the renderer child when PDFVIEW_CHILD says so.
func TestMain(m *testing.M) {
	switch os.Getenv("PDFVIEW_CHILD") {
	case "serve":
		if err := Serve(context.Background(), os.Stdin, os.Stdout, pdftest.CacheDir()); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	case "limit":
		// limitSelf's own check: 64 MiB more memory, then allocate 3 GiB (over Windows's
		// 1 GiB base allowance too).
		if err := limitSelf(64<<20, 5*time.Second); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		var kept [][]byte
		for n := 0; n < 3<<30; n += 64 << 20 {
			b := make([]byte, 64<<20)
			for i := 0; i < len(b); i += 4096 {
				b[i] = 1
			}
			kept = append(kept, b)
		}
		fmt.Println("allocated", len(kept))
		os.Exit(0)

	}
	os.Exit(m.Run())
}

// subprocess renders in this test binary, run as a child.
func subprocess(t testing.TB) *Subprocess {
	t.Helper()
	t.Setenv("PDFVIEW_CHILD", "serve")
	s := &Subprocess{Exe: os.Args[0]}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestRenderPage(t *testing.T) {
	pdf, err := os.ReadFile("testdata/ordonnance.pdf")
	if err != nil {
		t.Fatal(err)
	}
	r := New(pdftest.CacheDir())
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
	if _, _, err := r.RenderPage(context.Background(), []byte("%PDF-1.4 broken"), 0, 72); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a broken PDF: %v, want ErrInvalid", err)
	}
}

// TestSubprocess renders through a child process: this test binary (TestMain).
func TestSubprocess(t *testing.T) {
	pdf, err := os.ReadFile("testdata/ordonnance.pdf")
	if err != nil {
		t.Fatal(err)
	}
	s := subprocess(t)
	img, pages, err := s.RenderPage(context.Background(), pdf, 0, 72)
	if err != nil {
		t.Fatal(err)
	}
	if pages != 1 || img.Bounds().Dx() != 595 {
		t.Fatalf("pages %d, bounds %v", pages, img.Bounds())
	}
	if _, _, err := s.RenderPage(context.Background(), []byte("%PDF-1.4 broken"), 0, 72); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a broken PDF: %v, want ErrInvalid", err)
	}
}

func TestFitDPI(t *testing.T) {
	for _, c := range []struct {
		w, h, dpi float64
		want      int
		err       error
	}{
		{595, 842, 96, 96, nil},             // A4
		{14400, 14400, 96, 14, nil},         // PDF's largest page: 8 Mpx at most
		{14400, 10, 96, 40, nil},            // a strip: 8000 px wide
		{1e9, 1e9, 96, 0, ErrPageTooLarge},  // not even 1 dpi
		{0, 842, 96, 0, ErrPageTooLarge},    // no size
		{-595, 842, 96, 0, ErrPageTooLarge}, // negative
		{595, 842, -1, 0, ErrPageTooLarge},  // no resolution
		{595, 842 * 1e300, 96, 0, ErrPageTooLarge},
	} {
		got, err := FitDPI(c.w, c.h, c.dpi)
		if got != c.want || !errors.Is(err, c.err) {
			t.Errorf("FitDPI(%g, %g, %g) = %d, %v; want %d, %v", c.w, c.h, c.dpi, got, err, c.want, c.err)
		}
	}
}

// A page of 14 400 × 14 400 points (5 m a side) asked at 96 dpi: today's main rendered
// 19 200 × 19 200 pixels (1.4 GB, 17 s) before checking the size. The resolution is now
// chosen from the page size first.
func TestHostilePDFHugePage(t *testing.T) {
	s := subprocess(t)
	if err := s.Warm(context.Background()); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	img, _, err := s.RenderPage(context.Background(), pdftest.HugePage(14400), 0, 96)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	if b.Dx() > MaxSide || b.Dy() > MaxSide || b.Dx()*b.Dy() > MaxPixels {
		t.Fatalf("a huge page rendered as %v", b)
	}
	if d := time.Since(start); d > 10*time.Second*slowdown {
		t.Fatalf("a huge page took %v", d)
	}
}

// pids records the children handed a document, and those killed and reaped since.
type pids struct {
	mu      sync.Mutex
	list    []int
	gone    map[int]bool
	changed chan struct{} // closed, and replaced, at each record
}

// watch makes s report to p.
func (p *pids) watch(s *Subprocess) { s.OnRender, s.OnExit = p.add, p.exited }

func (p *pids) add(pid int) { p.record(func() { p.list = append(p.list, pid) }) }

func (p *pids) exited(pid int) {
	p.record(func() {
		if p.gone == nil {
			p.gone = map[int]bool{}
		}
		p.gone[pid] = true
	})
}

func (p *pids) record(f func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f()
	if p.changed != nil {
		close(p.changed)
		p.changed = nil
	}
}

func (p *pids) last() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.list) == 0 {
		return 0
	}
	return p.list[len(p.list)-1]
}

// waitFor waits, on the records, until cond (called with p.mu held) holds.
func (p *pids) waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	for {
		p.mu.Lock()
		if cond() {
			p.mu.Unlock()
			return
		}
		if p.changed == nil {
			p.changed = make(chan struct{})
		}
		ch := p.changed
		p.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// waitGone waits until the child pid was killed and reaped, then checks that the system
// no longer has it.
func (p *pids) waitGone(t *testing.T, pid int) {
	t.Helper()
	p.waitFor(t, fmt.Sprintf("the renderer process %d to be killed", pid), 5*time.Second*slowdown, func() bool { return p.gone[pid] })
	if processExists(pid) {
		t.Fatalf("the renderer process %d is still running", pid)
	}
}

// A form XObject drawn twice by each of 22 nested forms: 4 million drawings from 4 KB
// (today: minutes of CPU and gigabytes). The render is stopped at Timeout and its process
// killed.
func TestHostilePDFTimeLimit(t *testing.T) {
	s := subprocess(t)
	s.Timeout = 2 * time.Second * slowdown
	var seen pids
	seen.watch(s)
	if err := s.Warm(context.Background()); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, _, err := s.RenderPage(context.Background(), pdftest.FormBomb(22), 0, 96)
	if !errors.Is(err, ErrTimeout) && !errors.Is(err, ErrResources) {
		t.Fatalf("a form bomb: %v, want ErrTimeout or ErrResources", err)
	}
	if d := time.Since(start); d > s.Timeout+2*time.Second*slowdown {
		t.Fatalf("the form bomb ran %v, the limit is %v", d, s.Timeout)
	}
	seen.waitGone(t, seen.last())
}

// 320 MiB of content stream from 330 KB: PDFium's memory cap (256 MiB) refuses it, the
// child survives to say so, and the next document renders. (The time limit is lifted so that
// the memory cap is what stops it, even under -race.)
func TestHostilePDFMemoryBomb(t *testing.T) {
	s := subprocess(t)
	s.Timeout = 5 * time.Minute
	start := time.Now()
	_, _, err := s.RenderPage(context.Background(), pdftest.StreamBomb(320), 0, 96)
	if !errors.Is(err, ErrResources) {
		t.Fatalf("a stream bomb: %v, want ErrResources", err)
	}
	t.Logf("refused in %v", time.Since(start))
	if _, _, err := s.RenderPage(context.Background(), pdftest.Page("Bonjour"), 0, 96); err != nil {
		t.Fatalf("the next document: %v", err)
	}
}

// Cancelling (another message selected) kills the child at once.
func TestHostilePDFCancelKillsChild(t *testing.T) {
	s := subprocess(t)
	var seen pids
	seen.watch(s)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, _, err := s.RenderPage(ctx, pdftest.FormBomb(22), 0, 96)
		done <- err
	}()
	seen.waitFor(t, "a renderer process", time.Minute, func() bool { return len(seen.list) > 0 })
	pid := seen.last()
	if !processExists(pid) {
		t.Fatal("the renderer is not running")
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled render: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("RenderPage did not return after cancel")
	}
	seen.waitGone(t, pid)
}

// Nested arrays 100 000 deep, in the page's resources: PDFium's parser stops at its depth
// limit; no crash, no hang.
func TestHostilePDFDeepObjects(t *testing.T) {
	s := subprocess(t)
	done := make(chan error, 1)
	go func() {
		_, _, err := s.RenderPage(context.Background(), pdftest.DeepArrays(100000), 0, 96)
		done <- err
	}()
	select {
	case err := <-done:
		t.Logf("deep arrays: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("deep arrays hang the renderer")
	}
}

// BenchmarkRenderPage reports PDFium's start (compilation cache warm) and one A4 page at 96 dpi.
func BenchmarkRenderPage(b *testing.B) {
	pdf, err := os.ReadFile("testdata/ordonnance.pdf")
	if err != nil {
		b.Fatal(err)
	}
	r := New(pdftest.CacheDir())
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

// BenchmarkSubprocessFirstPage is the preview's cost once warm: a spare child is ready (as
// after Warm at start-up, or after the previous preview), and a new document's first page
// comes back from it.
func BenchmarkSubprocessFirstPage(b *testing.B) {
	pdf, err := os.ReadFile("testdata/ordonnance.pdf")
	if err != nil {
		b.Fatal(err)
	}
	s := subprocess(b)
	var times []time.Duration
	for b.Loop() {
		b.StopTimer()
		if err := s.Warm(context.Background()); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := time.Now()
		if _, _, err := s.RenderPage(context.Background(), pdf, 0, 96); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(t0))
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "ms-p50")
	b.ReportMetric(float64(times[len(times)-1].Microseconds())/1000, "ms-max")
}

// The child's warm-up page is a valid PDF that draws.
func TestWarmPDF(t *testing.T) {
	r := New(pdftest.CacheDir())
	defer r.Close()
	img, pages, err := r.RenderPage(context.Background(), warmPDF, 0, 72)
	if err != nil || pages != 1 || img.Bounds().Dx() != 595 {
		t.Fatalf("warm-up page: %v, %d pages", err, pages)
	}
}
