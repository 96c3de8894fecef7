package msg

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/emersion/go-message"
)

// StreamOptions tune ParseStream.
type StreamOptions struct {
	// Inspect, when set, is given each attachment's decoded content during the walk, once,
	// to read as much of it as it needs (the app sniffs what each part is); the walk skips
	// the rest. info's Size, Offset and RawSize are not known yet. It runs on the walking
	// goroutine, in document order.
	Inspect func(info AttachmentInfo, content io.Reader)
	// Progress, when set, is called after each attachment with the message as read so far:
	// its header, the text read so far (Body), the attachments found so far with their
	// place. p is the walk's own, still changing: read it during the call only.
	Progress func(p *Parsed)
}

// ParseStream is Parse reading the message from r in one pass, without holding it whole:
// the text, the XDM package and the report are read as Parse reads them, and each
// attachment's place in the message is recorded (AttachmentInfo.Offset, RawSize and
// Encoding) for the caller to stream it later from its own copy of the message. Raw and
// Open are not available on the result. An error reading r (a damaged cache, a cancelled
// context) fails ParseStream: a message read in part is never shown as a whole.
func ParseStream(r io.Reader, o StreamOptions) (p *Parsed, err error) {
	defer func() {
		// As Parse: a bug of a third-party decoder on hostile input must not take the
		// application down. FuzzParseStream calls parseStream to see any panic.
		if rec := recover(); rec != nil {
			p, err = nil, fmt.Errorf("msg: parse: internal error: %v: %w", rec, ErrMalformed)
		}
	}()
	return parseStream(r, o)
}

func parseStream(r io.Reader, o StreamOptions) (*Parsed, error) {
	src := &stickyReader{r: r}
	inspect := o.Inspect
	if inspect == nil {
		inspect = func(AttachmentInfo, io.Reader) {}
	}
	p := &Parsed{XDMIndex: -1}
	p, err := p.parse(src, &parseVisitor{p: p, inspect: inspect, progress: o.Progress})
	if src.err != nil {
		return nil, fmt.Errorf("msg: read message: %w", src.err)
	}
	return p, err
}

// stickyReader remembers the first error of r other than io.EOF: the walk turns read
// errors into defects of a malformed message, ParseStream into a failure.
type stickyReader struct {
	r   io.Reader
	err error
}

func (s *stickyReader) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		s.err = err
	}
	return n, err
}

// inspectPart gives the decoded content of a part to inspect and returns the decoded size,
// counted as partSize counts it: base64 that inspect left unread is counted, not decoded.
// The base64 decoder's buffers are scratch's, reused from one part to the next.
func inspectPart(h message.Header, raw io.Reader, inspect func(io.Reader), scratch *b64Decoder) (int64, error) {
	if strings.EqualFold(strings.TrimSpace(h.Get("Content-Transfer-Encoding")), "base64") {
		c := &b64Counter{r: raw}
		d := &b64Decoder{r: c, in: scratch.in[:0], buf: scratch.buf}
		inspect(d)
		scratch.in, scratch.buf = d.in, d.buf
		_, err := io.Copy(io.Discard, c)
		return c.chars * 6 / 8, err
	}
	c := &countingReader{r: decodeTransfer(h, raw)}
	inspect(c)
	_, err := io.Copy(io.Discard, c)
	return c.n, err
}

// b64Counter counts the base64 alphabet characters read through it.
type b64Counter struct {
	r     io.Reader
	chars int64
}

func (c *b64Counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.chars += b64Chars(p[:n])
	return n, err
}
