package msg

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // ISO-8859-x, Windows-125x... for message.Read
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
	Inline      bool   // shown inline (e.g. an image of an HTML body), not listed as a file
	ContentID   string
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

// visitor receives the leaves in document order. Returning errStop ends the walk.
type visitor interface {
	leaf(kind leafKind, info AttachmentInfo, e *message.Entity) error
	defect(d string)
}

var errStop = errors.New("stop")

type walker struct {
	v     visitor
	parts int
	att   int
	// alt identifies the innermost multipart/alternative (0: none) and child its child being
	// walked, so the visitor shows one alternative only.
	alt, child int
}

// walk visits e; alternative parts return which child was shown via the visitor only.
func (w *walker) walk(e *message.Entity, depth int, parent string) error {
	w.parts++
	if w.parts > maxParts {
		w.v.defect("too many MIME parts")
		return errStop
	}
	mt, params, err := e.Header.ContentType()
	if err != nil || mt == "" {
		if e.Header.Get("Content-Type") != "" {
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
		mr := e.MultipartReader()
		if mr == nil || params["boundary"] == "" {
			w.v.defect("multipart without boundary")
			return nil
		}
		if mt == "multipart/alternative" {
			saved, savedChild := w.alt, w.child
			w.alt, w.child = w.parts, -1
			defer func() { w.alt, w.child = saved, savedChild }()
		}
		for {
			if mt == "multipart/alternative" {
				w.child++
			}
			p, err := mr.NextPart()
			if err == io.EOF {
				return nil
			}
			if err != nil && p == nil {
				w.v.defect("broken multipart: " + err.Error())
				return nil
			}
			if err != nil {
				w.v.defect(err.Error()) // unknown charset or encoding: the part is still readable
			}
			if err := w.walk(p, depth+1, mt); err != nil {
				return err
			}
		}
	}
	info := AttachmentInfo{ContentType: mt, ContentID: trimID(e.Header.Get("Content-Id"))}
	disp, dparams, _ := e.Header.ContentDisposition()
	info.Name = dparams["filename"]
	if info.Name == "" {
		info.Name = params["name"]
	}
	info.Name = cleanFileName(info.Name)
	disp = strings.ToLower(disp)
	kind := classify(mt, disp, info.Name, parent)
	if kind == leafAttachment {
		info.Index = w.att
		w.att++
		info.Inline = disp == "inline" || (disp == "" && info.ContentID != "" && parent == "multipart/related")
		if info.Name == "" {
			info.Name = defaultName(e, mt, info.Index)
		}
	}
	return w.v.leaf(kind, info, e)
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

func defaultName(e *message.Entity, mt string, i int) string {
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
// content, streaming: the other parts are skipped, not kept. The reader is valid until r is
// closed or reused.
func OpenAttachment(r io.Reader, index int) (io.Reader, AttachmentInfo, error) {
	e, err := message.Read(r)
	if e == nil {
		return nil, AttachmentInfo{}, fmt.Errorf("msg: open attachment: %v: %w", err, ErrMalformed)
	}
	f := &finder{want: index}
	w := &walker{v: f}
	_ = w.walk(e, 0, "")
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

func (f *finder) leaf(kind leafKind, info AttachmentInfo, e *message.Entity) error {
	if kind == leafAttachment && info.Index == f.want {
		f.info, f.body = info, e.Body
		return errStop
	}
	return nil
}

func (f *finder) defect(string) {}
