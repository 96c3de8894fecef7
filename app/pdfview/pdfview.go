// Package pdfview renders PDF pages for Comptoir's preview with PDFium compiled to
// WebAssembly (github.com/klippa-app/go-pdfium, webassembly mode) and run by wazero: pure Go,
// the same on Linux, Windows and macOS, no library to install, and the untrusted PDF parser
// runs inside the WebAssembly sandbox.
//
// Compiling the 5.8 MB module is slow (about 8 s on 2 cores, minutes under -race) so it is
// done once, in the background at the application's start (Warm), and wazero's compilation
// cache keeps the result in a directory (the user's cache directory): later starts take
// about 0.3 s and a page about 15 ms.
//
// The application uses Subprocess, which renders in a child process (Serve): PDFium's memory
// leaves with it and untrusted documents are parsed away from the process holding the card
// session. One child renders the pages of one document (Document: the preview pages through
// it) and exits when it is closed, left idle, or a page is cancelled; a spare child, started
// in advance, has PDFium loaded already so that a preview does not wait for it.
//
// Every document is untrusted. Bounds, each tested with a hostile PDF (package pdftest):
//   - the document: MaxPDFSize (ErrTooLarge);
//   - the page: its size is read before rendering and the resolution lowered so that the
//     image stays within MaxSide pixels a side and MaxPixels in all (ErrPageTooLarge when even
//     1 dpi is too much);
//   - PDFium's memory: MaxWasmMemory, inside the WebAssembly sandbox;
//   - the child process: its address space (RLIMIT_AS on Linux; macOS accepts the limit but
//     does not enforce it) or its committed memory (a Job object on Windows), and its CPU
//     time for all the pages it renders, set by the child itself before it reads the document;
//   - each page's render: Subprocess.Timeout (20 s), after which the child is killed
//     (ErrTimeout); a cancelled context kills it at once. The document's other pages are
//     then rendered by another child.
package pdfview

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"math"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/references"
	"github.com/klippa-app/go-pdfium/requests"
	"github.com/klippa-app/go-pdfium/webassembly"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

const (
	// MaxPDFSize bounds the documents handed to PDFium (Mon Espace Santé's limit is 25 MB).
	MaxPDFSize = 64 << 20
	// MaxSide bounds a rendered page's width and height in pixels.
	MaxSide = 8000
	// MaxPixels bounds a rendered page's area (32 MiB of RGBA; an A4 page at 250 dpi).
	MaxPixels = 8 << 20
	// MaxWasmMemory bounds PDFium's memory inside the WebAssembly sandbox: a document that
	// needs more fails there, cleanly.
	MaxWasmMemory = 256 << 20
)

// Errors callers tell the user about.
var (
	// ErrTooLarge reports a document over MaxPDFSize.
	ErrTooLarge = errors.New("pdfview: document too large")
	// ErrPageTooLarge reports a page that cannot be drawn within MaxSide and MaxPixels.
	ErrPageTooLarge = errors.New("pdfview: page too large")
	// ErrResources reports a document that needed more memory or CPU than allowed, or made
	// the renderer fail.
	ErrResources = errors.New("pdfview: document needs too many resources")
	// ErrTimeout reports a render stopped after Subprocess.Timeout.
	ErrTimeout = errors.New("pdfview: render took too long")
	// ErrInvalid reports a file PDFium could not open (damaged, not a PDF, encrypted).
	ErrInvalid = errors.New("pdfview: invalid document")
)

// Renderer renders pages; it is safe for concurrent use (renders are serialised).
type Renderer struct {
	cacheDir string

	mu   sync.Mutex
	pool pdfium.Pool
	inst pdfium.Pdfium
}

// New returns a renderer whose compilation cache lives in cacheDir ("" : no cache).
func New(cacheDir string) *Renderer { return &Renderer{cacheDir: cacheDir} }

// DefaultCacheDir is os.UserCacheDir()/comptoir/pdfium.
func DefaultCacheDir() string {
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "comptoir", "pdfium")
}

// Warm starts PDFium (compiling it on first use, which fills the compilation cache).
func (r *Renderer) Warm(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.start()
}

func (r *Renderer) start() error {
	if r.inst != nil {
		return nil
	}
	rc := wazero.NewRuntimeConfig().
		WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesExceptionHandling).
		WithMemoryLimitPages(MaxWasmMemory >> 16)
	if r.cacheDir != "" {
		if err := os.MkdirAll(r.cacheDir, 0o700); err == nil {
			if c, err := wazero.NewCompilationCacheWithDir(r.cacheDir); err == nil {
				rc = rc.WithCompilationCache(c)
			}
		}
	}
	pool, err := webassembly.Init(webassembly.Config{MinIdle: 1, MaxIdle: 1, MaxTotal: 1, RuntimeConfig: rc})
	if err != nil {
		return fmt.Errorf("pdfview: start pdfium: %w", err)
	}
	inst, err := pool.GetInstance(time.Minute)
	if err != nil {
		pool.Close()
		return fmt.Errorf("pdfview: pdfium instance: %w", err)
	}
	r.pool, r.inst = pool, inst
	return nil
}

// RenderPage renders page (from 0) of pdf at dpi, or lower when the page would exceed
// MaxSide or MaxPixels, and returns it with the page count.
func (r *Renderer) RenderPage(ctx context.Context, pdf []byte, page int, dpi float64) (image.Image, int, error) {
	d, err := r.open(ctx, pdf)
	if err != nil {
		return nil, 0, err
	}
	defer d.close()
	img, err := d.render(ctx, page, dpi)
	return img, d.pages, err
}

// openDoc is a document open in a Renderer: its pages render without reading it again
// (the renderer child keeps its one document open while the preview pages through it).
type openDoc struct {
	r     *Renderer
	inst  pdfium.Pdfium // the instance it was opened in: a trap replaces it
	data  []byte        // PDFium reads from it while the document is open
	ref   references.FPDF_DOCUMENT
	pages int
}

// open opens pdf and counts its pages.
func (r *Renderer) open(ctx context.Context, pdf []byte) (*openDoc, error) {
	if len(pdf) > MaxPDFSize {
		return nil, ErrTooLarge
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.start(); err != nil {
		return nil, err
	}
	d := &openDoc{r: r, inst: r.inst, data: pdf}
	doc, err := r.inst.OpenDocument(&requests.OpenDocument{File: &d.data})
	if err != nil {
		return nil, fmt.Errorf("pdfview: open document: %w: %w", ErrInvalid, err)
	}
	d.ref = doc.Document
	count, err := r.inst.FPDF_GetPageCount(&requests.FPDF_GetPageCount{Document: d.ref})
	if err != nil {
		r.inst.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: d.ref})
		return nil, fmt.Errorf("pdfview: page count: %w: %w", ErrInvalid, err)
	}
	d.pages = count.PageCount
	return d, nil
}

// render renders page (from 0) at dpi, or lower when the page would exceed MaxSide or
// MaxPixels.
func (d *openDoc) render(ctx context.Context, page int, dpi float64) (image.Image, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := d.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.inst != d.inst {
		return nil, fmt.Errorf("pdfview: the renderer was restarted after a failure: %w", ErrResources)
	}
	if page < 0 || page >= d.pages {
		return nil, fmt.Errorf("pdfview: page %d of %d", page+1, d.pages)
	}
	size, err := r.inst.FPDF_GetPageSizeByIndex(&requests.FPDF_GetPageSizeByIndex{Document: d.ref, Index: page})
	if err != nil {
		return nil, fmt.Errorf("pdfview: page %d size: %w: %w", page+1, ErrInvalid, err)
	}
	fit, err := FitDPI(size.Width, size.Height, dpi)
	if err != nil {
		return nil, fmt.Errorf("pdfview: page %d of %gx%g pt: %w", page+1, size.Width, size.Height, err)
	}
	res, err := r.inst.RenderPageInDPI(&requests.RenderPageInDPI{DPI: fit,
		Page: requests.Page{ByIndex: &requests.PageByIndex{Document: d.ref, Index: page}}})
	if err != nil {
		// A WebAssembly trap (memory cap reached, abort) can leave PDFium's state broken:
		// the next document gets a fresh instance.
		r.closeLocked()
		return nil, fmt.Errorf("pdfview: render page %d: %w: %w", page+1, ErrResources, err)
	}
	// The image's pixels live in the WebAssembly memory: copy them out before Cleanup.
	img := cloneImage(res.Result.RenderedImage)
	res.Cleanup()
	return img, nil
}

// close closes the document (nothing to do when its instance was closed after a trap).
func (d *openDoc) close() {
	r := d.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.inst == d.inst && r.inst != nil {
		r.inst.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: d.ref})
	}
}

// FitDPI returns the resolution, at most dpi, at which a page of w×h points fits MaxSide
// and MaxPixels: the check is made before PDFium allocates anything. A page that does not
// fit even at 1 dpi is ErrPageTooLarge.
func FitDPI(w, h, dpi float64) (int, error) {
	if !(w > 0 && h > 0 && dpi > 0) || math.IsInf(w, 0) || math.IsInf(h, 0) {
		return 0, ErrPageTooLarge
	}
	fit := math.Min(dpi, math.Min(MaxSide*72/w, MaxSide*72/h))
	fit = math.Min(fit, 72*math.Sqrt(MaxPixels/(w*h)))
	if fit < 1 {
		return 0, ErrPageTooLarge
	}
	return int(fit), nil
}

func cloneImage(src image.Image) image.Image {
	switch s := src.(type) {
	case *image.RGBA:
		dst := image.NewRGBA(s.Rect)
		copy(dst.Pix, s.Pix)
		return dst
	case *image.Gray:
		dst := image.NewGray(s.Rect)
		copy(dst.Pix, s.Pix)
		return dst
	}
	dst := image.NewRGBA(src.Bounds())
	draw.Draw(dst, dst.Rect, src, src.Bounds().Min, draw.Src)
	return dst
}

// Close releases PDFium; a later RenderPage starts it again.
func (r *Renderer) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closeLocked()
}

func (r *Renderer) closeLocked() error {
	var err error
	if r.inst != nil {
		err = r.inst.Close()
		r.inst = nil
	}
	if r.pool != nil {
		if e := r.pool.Close(); err == nil {
			err = e
		}
		r.pool = nil
	}
	return err
}
