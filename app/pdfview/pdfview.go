// Package pdfview renders PDF pages for Comptoir's preview with PDFium compiled to
// WebAssembly (github.com/klippa-app/go-pdfium, webassembly mode) and run by wazero: pure Go,
// the same on Linux, Windows and macOS, no library to install, and the untrusted PDF parser
// runs inside the WebAssembly sandbox.
//
// Compiling the 5.8 MB module is slow (about 8 s on 2 cores, minutes under -race) so the
// Renderer starts lazily, on the first preview, and keeps wazero's compilation cache in a
// directory (the user's cache directory): later starts take about 0.2 s and a page about
// 15 ms. The application uses Subprocess, which runs a Renderer in a short-lived child
// process (Serve): PDFium's ~80 MB leave with it and untrusted documents are parsed away from
// the process holding the card session.
package pdfview

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/requests"
	"github.com/klippa-app/go-pdfium/webassembly"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// MaxPDFSize bounds the documents handed to PDFium (Mon Espace Santé's limit is 25 MB).
const MaxPDFSize = 64 << 20

// ErrTooLarge reports a document over MaxPDFSize.
var ErrTooLarge = errors.New("pdfview: document too large")

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

func (r *Renderer) start() error {
	if r.inst != nil {
		return nil
	}
	rc := wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesExceptionHandling)
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

// RenderPage renders page (from 0) of pdf at dpi and returns it with the page count.
func (r *Renderer) RenderPage(ctx context.Context, pdf []byte, page int, dpi float64) (image.Image, int, error) {
	if len(pdf) > MaxPDFSize {
		return nil, 0, ErrTooLarge
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.start(); err != nil {
		return nil, 0, err
	}
	data := pdf
	doc, err := r.inst.OpenDocument(&requests.OpenDocument{File: &data})
	if err != nil {
		return nil, 0, fmt.Errorf("pdfview: open document: %w", err)
	}
	defer r.inst.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: doc.Document})
	count, err := r.inst.FPDF_GetPageCount(&requests.FPDF_GetPageCount{Document: doc.Document})
	if err != nil {
		return nil, 0, fmt.Errorf("pdfview: page count: %w", err)
	}
	if page < 0 || page >= count.PageCount {
		return nil, count.PageCount, fmt.Errorf("pdfview: page %d of %d", page+1, count.PageCount)
	}
	res, err := r.inst.RenderPageInDPI(&requests.RenderPageInDPI{DPI: int(dpi),
		Page: requests.Page{ByIndex: &requests.PageByIndex{Document: doc.Document, Index: page}}})
	if err != nil {
		return nil, count.PageCount, fmt.Errorf("pdfview: render page %d: %w", page+1, err)
	}
	// The image's pixels live in the WebAssembly memory: copy them out before Cleanup.
	img := cloneImage(res.Result.RenderedImage)
	res.Cleanup()
	return img, count.PageCount, nil
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
