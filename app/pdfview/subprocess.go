package pdfview

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"io"
	"os/exec"
	"time"
)

// maxSide bounds a rendered page's width and height in pixels.
const maxSide = 8000

// Subprocess renders in a short-lived child process (the application's own executable
// started with Args) instead of this one: PDFium's memory (about 80 MB once compiled) is
// given back as soon as the page is drawn, and an untrusted document is parsed outside the
// process that holds the card session. The child runs Serve.
type Subprocess struct {
	Exe  string   // the executable, usually os.Executable()
	Args []string // arguments that make it call Serve (page and dpi are appended)
}

// RenderPage renders page of pdf in a child process.
func (s Subprocess) RenderPage(ctx context.Context, pdf []byte, page int, dpi float64) (image.Image, int, error) {
	if len(pdf) > MaxPDFSize {
		return nil, 0, ErrTooLarge
	}
	// A first run compiles PDFium: minutes on a slow machine, then 0.2 s.
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	args := append(append([]string(nil), s.Args...), "-page", fmt.Sprint(page), "-dpi", fmt.Sprint(dpi))
	cmd := exec.CommandContext(ctx, s.Exe, args...)
	cmd.Stdin = bytes.NewReader(pdf)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, 0, fmt.Errorf("pdfview: renderer process: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, 0, fmt.Errorf("pdfview: renderer process: %w", err)
	}
	// The page is read straight into the image: buffering the child's output first would
	// allocate it twice or more, memory the Go runtime then keeps for a while.
	img, pages, rerr := readPage(bufio.NewReader(out))
	if rerr != nil {
		cmd.Process.Kill()
	}
	werr := cmd.Wait()
	switch {
	case werr != nil && (rerr == nil || errb.Len() > 0): // the child's own message says more
		return nil, 0, fmt.Errorf("pdfview: renderer process: %w (%s)", werr, bytes.TrimSpace(errb.Bytes()))
	case rerr != nil:
		return nil, 0, rerr
	}
	return img, pages, nil
}

// Serve is the child's side: it reads a PDF on in, renders page at dpi, and writes
// "PAGES n W H\n" followed by W×H×4 bytes of RGBA (or "ERROR msg\n").
func Serve(ctx context.Context, in io.Reader, out io.Writer, page int, dpi float64, cacheDir string) error {
	pdf, err := io.ReadAll(io.LimitReader(in, MaxPDFSize+1))
	if err != nil {
		return fmt.Errorf("pdfview: read document: %w", err)
	}
	r := New(cacheDir)
	defer r.Close()
	img, pages, err := r.RenderPage(ctx, pdf, page, dpi)
	if err != nil {
		return err
	}
	b := img.Bounds()
	rgba, ok := img.(*image.RGBA)
	if !ok || b.Min != (image.Point{}) || rgba.Stride != 4*b.Dx() {
		rgba = image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(rgba, rgba.Rect, img, b.Min, draw.Src)
	}
	w := bufio.NewWriter(out)
	fmt.Fprintf(w, "PAGES %d %d %d\n", pages, b.Dx(), b.Dy())
	if _, err := w.Write(rgba.Pix); err != nil {
		return fmt.Errorf("pdfview: write page: %w", err)
	}
	return w.Flush()
}

func readPage(r *bufio.Reader) (image.Image, int, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, 0, errors.New("pdfview: renderer process: no answer")
	}
	var pages, w, h int
	if _, err := fmt.Sscanf(line, "PAGES %d %d %d\n", &pages, &w, &h); err != nil {
		return nil, 0, fmt.Errorf("pdfview: renderer process: bad answer %q", line)
	}
	if w <= 0 || h <= 0 || w > maxSide || h > maxSide {
		return nil, 0, fmt.Errorf("pdfview: renderer process: bad page %dx%d", w, h)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	if _, err := io.ReadFull(r, img.Pix); err != nil {
		return nil, 0, fmt.Errorf("pdfview: renderer process: short page %dx%d: %w", w, h, err)
	}
	if _, err := r.ReadByte(); err != io.EOF {
		return nil, 0, fmt.Errorf("pdfview: renderer process: page %dx%d longer than announced", w, h)
	}
	return img, pages, nil
}
