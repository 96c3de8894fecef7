package msg

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"strings"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // ISO-8859-x, Windows-125x... for message.New
	"github.com/emersion/go-message/textproto"
)

// Bounds on hostile structure: deeper or wider trees are cut, not followed.
const (
	maxDepth = 16
	maxParts = 512
)

// AttachmentInfo describes one attachment of a parsed message.
type AttachmentInfo struct {
	Index       int // position among the message's attachments, for OpenAttachment
	Name        string
	ContentType string // media type, lower case, without parameters
	Size        int64  // decoded size in bytes
	Inline      bool   // an image shown by the HTML body (through its Content-ID), not listed as a file
	ContentID   string
	// Encoding is the part's Content-Transfer-Encoding, lower case. ParseStream also gives
	// where its body lies in the message, still encoded: RawSize bytes from Offset
	// (DecodeBody decodes them).
	Encoding        string
	Offset, RawSize int64
}

// leafKind says how the walker treats a non-multipart entity.
type leafKind int

const (
	leafText leafKind = iota // text/plain shown as the body
	leafHTML                 // text/html shown as sanitised text
	leafAttachment
	leafReport // machine-readable part of a multipart/report
	leafReportOriginal
)

// visitor receives the leaves in document order, with the part's header and its raw
// (still transfer-encoded) body. Returning errStop ends the walk.
type visitor interface {
	leaf(kind leafKind, info AttachmentInfo, h message.Header, raw io.Reader) error
	defect(d string)
}

var errStop = errors.New("stop")

// walker goes through the MIME tree on the raw bytes: bodies are decoded only by the visitor
// that needs them (sizes of base64 parts are counted, not decoded).
type walker struct {
	v     visitor
	parts int
	att   int
	// alt identifies the innermost multipart/alternative (0: none) and child its child being
	// walked, so the visitor shows one alternative only.
	alt, child int
	// top, when set, receives the message's own header before the walk.
	top func(h message.Header)
	// span, when set, receives where each attachment's raw body lies in the message (see
	// ParseStream): the walk then reads every attachment through.
	span func(index int, offset, size int64)
}

// walkMessage reads the top-level header from r and walks the message.
func (w *walker) walkMessage(r io.Reader) error {
	lr := &limitedReader{r: r, n: maxHeaderBytes}
	br := bufio.NewReader(lr)
	h, err := textproto.ReadHeader(br)
	if err != nil {
		return fmt.Errorf("%w: header: %v", ErrMalformed, err)
	}
	base := maxHeaderBytes - lr.n - int64(br.Buffered()) // where the body starts
	lr.n = math.MaxInt64
	mh := message.Header{Header: h}
	if w.top != nil {
		w.top(mh)
	}
	return w.walk(mh, br, 0, "", base)
}

// walk walks the entity of header h and body body, which starts at byte base of the message.
func (w *walker) walk(h message.Header, body io.Reader, depth int, parent string, base int64) error {
	w.parts++
	if w.parts > maxParts {
		w.v.defect("too many MIME parts")
		return errStop
	}
	mt, params, err := h.ContentType()
	if err != nil || mt == "" {
		if h.Get("Content-Type") != "" {
			w.v.defect("malformed Content-Type")
		}
		mt, params = "text/plain", map[string]string{}
		if parent == "multipart/digest" {
			mt = "message/rfc822"
		}
	}
	mt = strings.ToLower(mt)
	if strings.HasPrefix(mt, "multipart/") {
		if depth >= maxDepth {
			w.v.defect("MIME tree too deep")
			return nil
		}
		if params["boundary"] == "" {
			w.v.defect("multipart without boundary")
			return nil
		}
		if mt == "multipart/alternative" {
			saved, savedChild := w.alt, w.child
			w.alt, w.child = w.parts, -1
			defer func() { w.alt, w.child = saved, savedChild }()
		}
		mr := newMultipartReader(body, params["boundary"])
		for {
			if mt == "multipart/alternative" {
				w.child++
			}
			p, err := mr.NextPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				w.v.defect("broken multipart: " + err.Error())
				return nil
			}
			if err := w.walk(message.Header{Header: p.Header}, p, depth+1, mt, base+p.offset); err != nil {
				return err
			}
		}
	}
	info := AttachmentInfo{ContentType: mt, ContentID: trimID(h.Get("Content-Id"))}
	disp, dparams, _ := h.ContentDisposition()
	info.Name = dparams["filename"]
	if info.Name == "" {
		info.Name = params["name"]
	}
	info.Name = cleanFileName(info.Name)
	disp = strings.ToLower(disp)
	kind := classify(mt, disp, info.Name, parent)
	if kind == leafAttachment {
		info.Encoding = strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding")))
		info.Index = w.att
		w.att++
		// Inline: an image the HTML body shows through its Content-ID. An inline PDF with a
		// file name (Apple Mail does that) stays a listed attachment.
		info.Inline = disp != "attachment" && info.ContentID != "" &&
			(parent == "multipart/related" || strings.HasPrefix(mt, "image/"))
		if info.Name == "" {
			info.Name = defaultName(mt, info.Index)
		}
		if w.span != nil {
			return w.spanLeaf(kind, info, h, body, base)
		}
	}
	return w.v.leaf(kind, info, h, body)
}

// spanLeaf hands an attachment to the visitor and reports where its raw body lies: from
// base to the end of body, read through once the visitor is done with it.
func (w *walker) spanLeaf(kind leafKind, info AttachmentInfo, h message.Header, body io.Reader, base int64) error {
	c := &countingReader{r: body}
	if err := w.v.leaf(kind, info, h, c); err != nil {
		return err
	}
	// A broken part was the visitor's defect already; a failing source is ParseStream's.
	_, _ = io.Copy(io.Discard, c)
	w.span(info.Index, base, c.n)
	return nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func classify(mt, disp, name, parent string) leafKind {
	if parent == "multipart/report" {
		switch mt {
		case "message/delivery-status", "message/global-delivery-status",
			"message/disposition-notification", "message/global-disposition-notification":
			return leafReport
		case "message/rfc822", "message/global", "text/rfc822-headers", "message/global-headers":
			return leafReportOriginal
		}
	}
	if disp == "attachment" || name != "" {
		return leafAttachment
	}
	switch mt {
	case "text/plain", "text/enriched":
		return leafText
	case "text/html":
		return leafHTML
	}
	return leafAttachment
}

// cleanFileName keeps the last path element and drops control characters: a name is shown
// and may be used to save a file.
func cleanFileName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = s[i+1:]
	}
	s = strings.TrimSpace(s)
	if s == "." || s == ".." {
		return ""
	}
	return s
}

func defaultName(mt string, i int) string {
	if mt == "message/rfc822" || mt == "message/global" {
		return "message.eml"
	}
	ext := ""
	if exts, _ := mime.ExtensionsByType(mt); len(exts) > 0 {
		ext = exts[0]
	}
	return fmt.Sprintf("piece-jointe-%d%s", i+1, ext)
}

// OpenAttachment reads the message from r and returns a reader of attachment index's decoded
// content, streaming: the other parts are skipped, not kept. The content is the part's bytes
// with its transfer encoding (base64, quoted-printable) undone; no charset conversion. The
// reader is valid until r is closed or reused.
func OpenAttachment(r io.Reader, index int) (io.Reader, AttachmentInfo, error) {
	f := &finder{want: index}
	w := &walker{v: f}
	if err := w.walkMessage(r); err != nil && err != errStop {
		return nil, AttachmentInfo{}, fmt.Errorf("msg: open attachment: %w", err)
	}
	if f.body == nil {
		return nil, AttachmentInfo{}, fmt.Errorf("msg: open attachment %d: %w", index, ErrNoSuchAttachment)
	}
	return f.body, f.info, nil
}

type finder struct {
	want int
	info AttachmentInfo
	body io.Reader
}

func (f *finder) leaf(kind leafKind, info AttachmentInfo, h message.Header, raw io.Reader) error {
	if kind == leafAttachment && info.Index == f.want {
		f.info, f.body = info, decodeTransfer(h, raw)
		return errStop
	}
	return nil
}

func (f *finder) defect(string) {}

// maxHeaderBytes bounds a message's top-level header, as go-message does.
const maxHeaderBytes = 1 << 20

// limitedReader is io.LimitedReader with an error instead of EOF, and an adjustable limit.
type limitedReader struct {
	r io.Reader
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errors.New("header too large")
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}
