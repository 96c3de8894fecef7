package pdfview

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"image"
	"sync"
	"time"
)

// DefaultDocumentIdle is how long a Document's child waits for another page before it is
// stopped: it holds 60 to 120 MB (PDFium's memory grows with the resolution asked), given
// back once the pharmacist stops paging; a later page starts another child (the spare).
const DefaultDocumentIdle = 30 * time.Second

// Document renders the pages of one PDF in one child process, for a preview that pages
// through it: the document is sent once, with the first page asked, and the child keeps it
// open for the next pages, which then cost a render and no start.
//
// Cancelling a render kills its child, like a render that runs over Subprocess.Timeout or
// a child that dies on its limits; the next page is asked of a new child (the spare),
// which is sent the document again. The child's CPU limit counts all the pages it renders.
// A Document is safe for concurrent use; its renders are serialised. Close it when the
// preview moves to another document.
type Document struct {
	s   *Subprocess
	pdf []byte

	mu      sync.Mutex
	c       *child // nil: none yet, or it ended
	idleSeq int    // counts renders: an idle stop armed before the latest one is void
	closed  bool
}

// Open returns the document pdf; nothing starts until its first page is asked.
func (s *Subprocess) Open(pdf []byte) *Document { return &Document{s: s, pdf: pdf} }

func (s *Subprocess) documentIdle() time.Duration {
	return orDefault(s.DocumentIdle, DefaultDocumentIdle)
}

// RenderPage renders page (from 0) at dpi (lowered for a large page) and returns it with the
// document's page count. Cancelling ctx kills the child at once.
func (d *Document) RenderPage(ctx context.Context, page int, dpi float64) (image.Image, int, error) {
	if len(d.pdf) > MaxPDFSize {
		return nil, 0, ErrTooLarge
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.idleSeq++ // an idle stop already due does not take the child from this render
	for {
		if d.closed {
			return nil, 0, errors.New("pdfview: document closed")
		}
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		img, pages, gone, err := d.render(ctx, page, dpi)
		if !gone {
			return img, pages, err
		}
		// The kept child ended since its last page (its limits, a crash): the page is
		// asked of a new one, which is sent the document.
	}
}

// render asks page of the document's child, starting one (the spare) when there is none.
// gone reports a kept child found ended before it was asked anything. d.mu is held.
func (d *Document) render(ctx context.Context, page int, dpi float64) (img image.Image, pages int, gone bool, err error) {
	s := d.s
	c, first := d.c, d.c == nil
	if first {
		if c, err = s.take(); err != nil {
			return nil, 0, false, err
		}
		defer s.refill() // after this render: a starting child would slow it down
		if err := s.waitReady(ctx, c); err != nil {
			return nil, 0, false, err
		}
		d.c = c
	} else if c.idle != nil {
		c.idle.Stop()
	}
	if s.OnRender != nil {
		s.OnRender(c.cmd.Process.Pid)
	}
	if first {
		go func() {
			// The child may stop reading (an error, a kill): the write then fails, harmlessly.
			w := bufio.NewWriter(c.in)
			fmt.Fprintf(w, "RENDER %d %g %d\n", page, dpi, len(d.pdf))
			w.Write(d.pdf)
			w.Flush()
		}()
	} else if _, err := fmt.Fprintf(c.in, "PAGE %d %g\n", page, dpi); err != nil {
		d.drop(c)
		return nil, 0, true, nil
	}
	a := s.await(ctx, c)
	switch {
	case a.err == nil:
		d.keep(c)
		return a.img, a.pages, false, nil
	case errors.Is(a.err, errNoAnswer):
		// Killed by its own limits (memory, CPU) or crashed on this page.
		werr := c.stop()
		d.c = nil
		return nil, 0, false, fmt.Errorf("pdfview: renderer process ended (%v: %s): %w", werr, c.errb.String(), ErrResources)
	case a.killed, errors.Is(a.err, ErrResources), errors.Is(a.err, ErrInvalid), errors.Is(a.err, ErrTooLarge):
		// Killed (cancelled, timed out), or the child ends after these (PDFium restarted,
		// or no document open).
		d.drop(c)
		return nil, a.pages, false, a.err
	}
	d.keep(c) // a page it could not draw (too large, out of range): the others still can
	return nil, a.pages, false, a.err
}

// keep leaves c waiting for the next page, stopped after DocumentIdle unused. d.mu is held.
func (d *Document) keep(c *child) {
	seq := d.idleSeq
	c.idle = time.AfterFunc(d.s.documentIdle(), func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		if d.c == c && d.idleSeq == seq {
			d.drop(c)
		}
	})
}

// drop stops c in the background (a process with PDFium's memory takes a while to end).
// d.mu is held.
func (d *Document) drop(c *child) {
	if d.c == c {
		d.c = nil
	}
	go c.stop()
}

// Close stops the document's child; RenderPage fails afterwards.
func (d *Document) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	if d.c != nil {
		d.drop(d.c)
	}
	return nil
}

// answer is a child's answer to one page, or why there is none.
type answer struct {
	img    image.Image
	pages  int
	err    error
	killed bool // cancelled or timed out: the child was killed
}

// await reads c's answer, killing c when ctx ends or Timeout passes.
func (s *Subprocess) await(ctx context.Context, c *child) answer {
	answers := make(chan answer, 1)
	go func() {
		img, pages, err := readPage(c.out)
		answers <- answer{img: img, pages: pages, err: err}
	}()
	t := time.NewTimer(s.timeout())
	defer t.Stop()
	select {
	case a := <-answers:
		return a
	case <-ctx.Done():
		c.cmd.Process.Kill()
		<-answers
		return answer{err: ctx.Err(), killed: true}
	case <-t.C:
		c.cmd.Process.Kill()
		<-answers
		return answer{err: fmt.Errorf("pdfview: renderer process killed after %v: %w", s.timeout(), ErrTimeout), killed: true}
	}
}
