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
	"strconv"
	"strings"
	"time"
)

// The child's limits, set by the child itself once PDFium is loaded and before it reads the
// document: compiling PDFium on a cold cache needs more than rendering a page, and is not
// fed any untrusted byte.
const (
	// childMemory is the address space (Unix) or committed memory (Windows) the child may
	// add once ready: Go's copies of the WebAssembly memory as it grows, and the page.
	childMemory = 2 << 30
	// childCPU is the CPU time the child may use once ready; the parent's wall-clock
	// Timeout usually ends a runaway render first.
	childCPU = 30 * time.Second
)

// The protocol between Subprocess and Serve, one document per child:
//
//	child  → parent  "READY\n" once PDFium is loaded (the limits are then set)
//	parent → child   "RENDER <page> <dpi> <size>\n" and size bytes of PDF, or nothing (EOF):
//	                 the child was only warming the compilation cache
//	child  → parent  "PAGES <count> <w> <h>\n" and w×h×4 bytes of RGBA,
//	                 or "ERROR <kind> <count> <message>\n" (count 0: not known)
//	parent → child   "PAGE <page> <dpi>\n" for another page of the same document (kept
//	                 open), answered likewise, as many times as asked; EOF ends the child.
//
// The child ends after an ERROR about the document itself (it could not be opened) or about
// resources (PDFium was restarted): the parent starts another for the next page.
const readyLine = "READY\n"

// warmPDF is an A4 page with a line of Helvetica.
var warmPDF = buildPDF(
	"<< /Type /Catalog /Pages 2 0 R >>",
	"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
	"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
	"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	"<< /Length 39 >>\nstream\nBT /F1 24 Tf 72 760 Td (Comptoir) Tj ET\nendstream",
)

// buildPDF writes objects numbered from 1, the first being the catalog, with their xref.
func buildPDF(objs ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// Error kinds on the wire, and the sentinel errors they stand for.
var errorKinds = map[string]error{
	"too-large":      ErrTooLarge,
	"page-too-large": ErrPageTooLarge,
	"resources":      ErrResources,
	"invalid":        ErrInvalid,
}

func errorKind(err error) string {
	for k, e := range errorKinds {
		if errors.Is(err, e) {
			return k
		}
	}
	return "other"
}

// Serve is the child's side of Subprocess: it loads PDFium (compiling it into cacheDir on
// first use), says READY, limits its own memory and CPU time, then reads one document from
// in and renders the pages asked for to out until in ends. With nothing to render (in at
// EOF at once) it returns nil: the caller was warming the cache.
func Serve(ctx context.Context, in io.Reader, out io.Writer, cacheDir string) error {
	r := New(cacheDir)
	defer r.Close()
	if err := r.Warm(ctx); err != nil {
		return err
	}
	// A first page drawn now, from a document of ours, grows PDFium's memory and loads its
	// code paths while nobody waits.
	if _, _, err := r.RenderPage(ctx, warmPDF, 0, 96); err != nil {
		return fmt.Errorf("pdfview: warm-up page: %w", err)
	}
	if _, err := io.WriteString(out, readyLine); err != nil {
		return fmt.Errorf("pdfview: write ready: %w", err)
	}
	if err := limitSelf(childMemory, childCPU); err != nil {
		return fmt.Errorf("pdfview: limit the renderer process: %w", err)
	}
	br := bufio.NewReader(in)
	line, err := br.ReadString('\n')
	if err == io.EOF && line == "" {
		return nil
	}
	var page, size int
	var dpi float64
	if _, err := fmt.Sscanf(line, "RENDER %d %g %d\n", &page, &dpi, &size); err != nil {
		return fmt.Errorf("pdfview: bad request %q", strings.TrimSpace(line))
	}
	w := bufio.NewWriter(out)
	pages := 0
	fail := func(err error) error {
		fmt.Fprintf(w, "ERROR %s %d %s\n", errorKind(err), pages, strings.ReplaceAll(err.Error(), "\n", " "))
		return w.Flush()
	}
	if size < 0 || size > MaxPDFSize {
		return fail(ErrTooLarge)
	}
	pdf := make([]byte, size)
	if _, err := io.ReadFull(br, pdf); err != nil {
		return fmt.Errorf("pdfview: read document: %w", err)
	}
	doc, err := r.open(ctx, pdf)
	if err != nil {
		return fail(err)
	}
	defer doc.close()
	pages = doc.pages
	for {
		img, err := doc.render(ctx, page, dpi)
		if err != nil {
			if err := fail(err); err != nil {
				return err
			}
			if errors.Is(err, ErrResources) {
				return nil
			}
		} else if err := writePage(w, img, doc.pages); err != nil {
			return err
		}
		line, err := br.ReadString('\n')
		if err == io.EOF && line == "" {
			return nil
		}
		if _, err := fmt.Sscanf(line, "PAGE %d %g\n", &page, &dpi); err != nil {
			return fmt.Errorf("pdfview: bad request %q", strings.TrimSpace(line))
		}
	}
}

// writePage writes a page's answer: its header line and its RGBA pixels.
func writePage(w *bufio.Writer, img image.Image, pages int) error {
	b := img.Bounds()
	rgba, ok := img.(*image.RGBA)
	if !ok || b.Min != (image.Point{}) || rgba.Stride != 4*b.Dx() {
		rgba = image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(rgba, rgba.Rect, img, b.Min, draw.Src)
	}
	fmt.Fprintf(w, "PAGES %d %d %d\n", pages, b.Dx(), b.Dy())
	if _, err := w.Write(rgba.Pix); err != nil {
		return fmt.Errorf("pdfview: write page: %w", err)
	}
	return w.Flush()
}

// readPage reads the child's answer; the image is allocated only once its size is known
// to be within MaxSide and MaxPixels.
func readPage(r *bufio.Reader) (image.Image, int, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, 0, errNoAnswer
	}
	if msg, ok := strings.CutPrefix(line, "ERROR "); ok {
		kind, rest, _ := strings.Cut(strings.TrimSpace(msg), " ")
		count, text, _ := strings.Cut(rest, " ")
		pages, err := strconv.Atoi(count)
		if err != nil || pages < 0 {
			return nil, 0, fmt.Errorf("pdfview: renderer process: bad answer %q", line)
		}
		if e, known := errorKinds[kind]; known {
			return nil, pages, fmt.Errorf("pdfview: renderer process: %w (%s)", e, text)
		}
		return nil, pages, fmt.Errorf("pdfview: renderer process: %s", text)
	}
	var pages, w, h int
	if _, err := fmt.Sscanf(line, "PAGES %d %d %d\n", &pages, &w, &h); err != nil {
		return nil, 0, fmt.Errorf("pdfview: renderer process: bad answer %q", line)
	}
	if w <= 0 || h <= 0 || w > MaxSide || h > MaxSide || w*h > MaxPixels {
		return nil, 0, fmt.Errorf("pdfview: renderer process: bad page %dx%d", w, h)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	if _, err := io.ReadFull(r, img.Pix); err != nil {
		return nil, 0, fmt.Errorf("pdfview: renderer process: short page %dx%d: %w", w, h, err)
	}
	return img, pages, nil
}

// errNoAnswer: the child ended (killed, crashed) without an answer.
var errNoAnswer = errors.New("pdfview: renderer process: no answer")
