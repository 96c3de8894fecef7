package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"sync"
)

// PartSource streams the decoded content of a part kept in the cache: a received
// message's attachments are read only when the user previews, opens or saves one.
type PartSource interface {
	Open(ctx context.Context) (io.ReadCloser, error)
}

// Sniff is what a part's content is, told from its bytes by SniffPart: never from its name
// or declared type, both chosen by the sender. The zero Sniff means "not sniffed".
type Sniff struct {
	kind    fileKind
	imageOK bool // an image whose declared size the preview accepts (MaxImagePixels)
	done    bool
}

// sniffHead is how much of the content net/http's sniffer looks at.
const sniffHead = 512

// SniffPart reads r, a part's decoded content, as far as it needs to tell what it is: the
// start of it, an image's header, and a text to its end (text with a single control byte
// is not plain text). It gives what sniffKind and mayOpen give on the whole content.
func SniffPart(r io.Reader) Sniff {
	head := make([]byte, sniffHead)
	n, _ := io.ReadFull(r, head)
	head = head[:n]
	s := Sniff{kind: sniffHeadKind(head), done: true}
	rest := io.MultiReader(bytes.NewReader(head), r)
	switch s.kind {
	case kindPNG, kindJPEG:
		cfg, _, err := image.DecodeConfig(rest)
		s.imageOK = err == nil && cfg.Width > 0 && cfg.Height > 0 && int64(cfg.Width)*int64(cfg.Height) <= MaxImagePixels
	case kindText:
		if !plainTextReader(rest) {
			s.kind = fileKind{MIME: "text/plain"} // as net/http says, but not openable
		}
	}
	return s
}

// plainTextReader is isPlainText on everything r gives, stopping at the first control byte.
func plainTextReader(r io.Reader) bool {
	buf := make([]byte, 8<<10)
	for {
		n, err := r.Read(buf)
		if !isPlainText(buf[:n]) {
			return false
		}
		if err != nil {
			return errors.Is(err, io.EOF)
		}
	}
}

// mayOpen reports whether the content may be handed to the system's viewer: an openable
// kind, and for an image one whose declared size the preview would accept too (a
// 65535×65535 PNG would take the viewer down instead of Comptoir).
func (s Sniff) mayOpen() bool {
	switch s.kind {
	case kindPNG, kindJPEG:
		return s.imageOK
	}
	return s.kind.openable()
}

// sniff is what p's content is: found when the message was read, else from Data now.
func (p Part) sniff() Sniff {
	if p.Sniff.done {
		return p.Sniff
	}
	return SniffPart(bytes.NewReader(p.Data))
}

// maxPartBytes bounds a part read into memory (a PDF to render, an image to decode): the
// mail engine accepts no message over 64 MiB.
const maxPartBytes = 64 << 20

// errPartTooLarge: a part over maxPartBytes.
var errPartTooLarge = fmt.Errorf("app: part over %d bytes", maxPartBytes)

// errPartUnreadable: a part could not be read back from the cache (body changed by a
// resync, cache locked or damaged, content not what was sniffed).
var errPartUnreadable = errors.New("app: part unreadable")

// content returns p's bytes: Data, or its content read from the cache (off the UI
// goroutine: it blocks). The content is checked against the kind sniffed when the message
// was read.
func (p Part) content(ctx context.Context) ([]byte, error) {
	if p.Data != nil || p.Source == nil {
		return p.Data, nil
	}
	data, err := p.read(ctx)
	if err != nil && ctx.Err() == nil {
		err = fmt.Errorf("%w: %w", errPartUnreadable, err)
	}
	return data, err
}

func (p Part) read(ctx context.Context) ([]byte, error) {
	rc, err := p.Source.Open(ctx)
	if err != nil {
		return nil, fmt.Errorf("app: open part: %w", err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	if p.Size > 0 && p.Size <= maxPartBytes {
		buf.Grow(int(p.Size))
	}
	w := newKindCheck(&buf, p.sniff().kind)
	n, err := io.Copy(w, io.LimitReader(rc, maxPartBytes+1))
	if err == nil {
		err = w.Close()
	}
	switch {
	case err != nil:
		return nil, fmt.Errorf("app: read part: %w", err)
	case n > maxPartBytes:
		return nil, errPartTooLarge
	}
	return buf.Bytes(), nil
}

// errKindChanged: the content read is not of the kind sniffed when the message was read.
var errKindChanged = errors.New("app: part content differs from what was sniffed")

// kindCheck passes the content through to w and checks that it is of kind k, as sniffed
// when the message was read: its start, and for plain text every byte. A file is written
// under the extension of its kind; this keeps that true whatever happened between the
// walk and the read.
type kindCheck struct {
	w    io.Writer
	k    fileKind
	head []byte
	done bool
}

func newKindCheck(w io.Writer, k fileKind) *kindCheck { return &kindCheck{w: w, k: k} }

func (c *kindCheck) Write(p []byte) (int, error) {
	if !c.done {
		take := min(len(p), sniffHead-len(c.head))
		c.head = append(c.head, p[:take]...)
		if len(c.head) == sniffHead {
			if err := c.checkHead(); err != nil {
				return 0, err
			}
		}
	}
	if c.k == kindText && !isPlainText(p) {
		return 0, errKindChanged
	}
	return c.w.Write(p)
}

// checkHead checks the start of the content. Only an openable kind matters: it chooses the
// extension a file is written under; any other part is saved under the sender's name,
// after a warning.
func (c *kindCheck) checkHead() error {
	c.done = true
	if c.k.openable() && sniffHeadKind(c.head) != c.k {
		return errKindChanged
	}
	return nil
}

// Close checks a content shorter than the sniffer's window.
func (c *kindCheck) Close() error {
	if !c.done {
		return c.checkHead()
	}
	return nil
}

// openPartPDF returns the pages of the PDF p, rendered by r. A part in the cache is read at
// the first page's render, off the UI goroutine, and kept for the others.
func openPartPDF(r PDFRenderer, p Part) pdfPages {
	if p.Data != nil || p.Source == nil {
		return openPDF(r, p.Data)
	}
	return &cachedPDF{r: r, part: p}
}

// cachedPDF is a PDF in the cache, opened by its first render.
type cachedPDF struct {
	r    PDFRenderer
	part Part
	mu   sync.Mutex
	doc  pdfPages // once read
}

func (c *cachedPDF) RenderPage(ctx context.Context, page int, dpi float64) (image.Image, int, error) {
	c.mu.Lock()
	doc := c.doc
	if doc == nil {
		data, err := c.part.content(ctx)
		if err != nil {
			c.mu.Unlock()
			return nil, 0, err
		}
		doc = openPDF(c.r, data)
		c.doc = doc
	}
	c.mu.Unlock()
	return doc.RenderPage(ctx, page, dpi)
}

func (c *cachedPDF) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.doc == nil {
		return nil
	}
	return c.doc.Close()
}
