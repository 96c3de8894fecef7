// Copyright 2010 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package msg

// The multipart reader of github.com/emersion/go-message/textproto (itself Go's
// mime/multipart without the transfer decoding), reading the same way, with one addition:
// each part knows where its body starts in the multipart body (Part.offset). The reader
// walks a message once and records where each attachment lies, so that the reader of the
// app streams one from the cache without walking the message again.

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

	"github.com/emersion/go-message/textproto"
)

// peekBufferSize needs to be at least 76: "\r\n--separator_of_len_70-" would fill the buffer
// and it would not be safe to consume a single byte from it.
const peekBufferSize = 4096

// mpart is one part of a multipart body.
type mpart struct {
	Header textproto.Header
	offset int64 // where the body starts in the multipart body

	mr      *multipartReader
	n       int   // known data bytes waiting in mr.bufReader
	total   int64 // total data bytes read already
	err     error // error to return when n == 0
	readErr error // read error observed from mr.bufReader
}

// newMultipartReader reads the parts of the multipart body r, separated by boundary.
func newMultipartReader(r io.Reader, boundary string) *multipartReader {
	b := []byte("\r\n--" + boundary + "--")
	mr := &multipartReader{
		nl:               b[:2],
		nlDashBoundary:   b[:len(b)-2],
		dashBoundaryDash: b[2:],
		dashBoundary:     b[2 : len(b)-2],
	}
	mr.src = stickyErrorReader{r: r}
	mr.bufReader = bufio.NewReaderSize(&mr.src, peekBufferSize)
	return mr
}

// stickyErrorReader never calls Read on its underlying Reader once an error has been seen,
// and counts the bytes it returned.
type stickyErrorReader struct {
	r   io.Reader
	err error
	n   int64
}

func (r *stickyErrorReader) Read(p []byte) (n int, _ error) {
	if r.err != nil {
		return 0, r.err
	}
	n, r.err = r.r.Read(p)
	r.n += int64(n)
	return n, r.err
}

// Read reads the body of a part, after its headers and before the next part (if any)
// begins.
func (p *mpart) Read(d []byte) (int, error) {
	br := p.mr.bufReader

	// Read into buffer until we identify some data to return, or we find a reason to stop
	// (boundary or read error).
	for p.n == 0 && p.err == nil {
		peek, _ := br.Peek(br.Buffered())
		p.n, p.err = scanUntilBoundary(peek, p.mr.dashBoundary, p.mr.nlDashBoundary, p.total, p.readErr)
		if p.n == 0 && p.err == nil {
			// Force buffered I/O to read more into buffer.
			_, p.readErr = br.Peek(len(peek) + 1)
			if p.readErr == io.EOF {
				p.readErr = io.ErrUnexpectedEOF
			}
		}
	}

	// Read out from "data to return" part of buffer.
	if p.n == 0 {
		return 0, p.err
	}
	n := min(len(d), p.n)
	n, _ = br.Read(d[:n])
	p.total += int64(n)
	p.n -= n
	if p.n == 0 {
		return n, p.err
	}
	return n, nil
}

// scanUntilBoundary scans buf to identify how much of it can be safely returned as part of
// the Part body. dashBoundary is "--boundary"; nlDashBoundary is "\r\n--boundary" or
// "\n--boundary", depending on the mode. total is the number of bytes read out so far: if
// 0, a leading "--boundary" is recognised. readErr is the read error, if any, that followed
// reading the bytes in buf. It returns the number of data bytes from buf that can be
// returned as part of the Part body and the error to return (if any) once those data bytes
// are done.
func scanUntilBoundary(buf, dashBoundary, nlDashBoundary []byte, total int64, readErr error) (int, error) {
	if total == 0 {
		// At beginning of body, allow dashBoundary.
		if bytes.HasPrefix(buf, dashBoundary) {
			switch matchAfterPrefix(buf, dashBoundary, readErr) {
			case -1:
				return len(dashBoundary), nil
			case 0:
				return 0, nil
			case +1:
				return 0, io.EOF
			}
		}
		if bytes.HasPrefix(dashBoundary, buf) {
			return 0, readErr
		}
	}

	// Search for "\n--boundary".
	if i := bytes.Index(buf, nlDashBoundary); i >= 0 {
		switch matchAfterPrefix(buf[i:], nlDashBoundary, readErr) {
		case -1:
			return i + len(nlDashBoundary), nil
		case 0:
			return i, nil
		case +1:
			return i, io.EOF
		}
	}
	if bytes.HasPrefix(nlDashBoundary, buf) {
		return 0, readErr
	}

	// Otherwise, anything up to the final \n is not part of the boundary and so must be
	// part of the body. Also if the section from the final \n onward is not a prefix of the
	// boundary, it too must be part of the body.
	i := bytes.LastIndexByte(buf, nlDashBoundary[0])
	if i >= 0 && bytes.HasPrefix(nlDashBoundary, buf[i:]) {
		return i, nil
	}
	return len(buf), readErr
}

// matchAfterPrefix checks whether buf should be considered to match the boundary. The
// prefix is "--boundary" or "\r\n--boundary" or "\n--boundary", and the caller has verified
// already that bytes.HasPrefix(buf, prefix) is true. It returns +1 if the buffer does match
// the boundary (the prefix is followed by a dash, space, tab, cr, nl, or end of input), -1
// if it definitely does not, 0 if more input needs to be read to decide.
func matchAfterPrefix(buf, prefix []byte, readErr error) int {
	if len(buf) == len(prefix) {
		if readErr != nil {
			return +1
		}
		return 0
	}
	c := buf[len(prefix)]
	if c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '-' {
		return +1
	}
	return -1
}

func (p *mpart) close() {
	_, _ = io.Copy(io.Discard, p)
}

// multipartReader is an iterator over the parts of a MIME multipart body.
type multipartReader struct {
	src       stickyErrorReader
	bufReader *bufio.Reader

	currentPart *mpart
	partsRead   int

	nl               []byte // "\r\n" or "\n" (set after seeing first boundary line)
	nlDashBoundary   []byte // nl + "--boundary"
	dashBoundaryDash []byte // "--boundary--"
	dashBoundary     []byte // "--boundary"
}

// consumed is how many bytes of the multipart body have been read through.
func (r *multipartReader) consumed() int64 { return r.src.n - int64(r.bufReader.Buffered()) }

// NextPart returns the next part, or io.EOF when there are no more parts.
func (r *multipartReader) NextPart() (*mpart, error) {
	if r.currentPart != nil {
		r.currentPart.close()
	}
	if string(r.dashBoundary) == "--" {
		return nil, fmt.Errorf("multipart: boundary is empty")
	}
	expectNewPart := false
	for {
		line, err := r.bufReader.ReadSlice('\n')

		if err == io.EOF && r.isFinalBoundary(line) {
			// "--boundary--" without the trailing "\r\n" at the end of the input is a valid
			// multipart EOF.
			return nil, io.EOF
		}
		if err != nil {
			return nil, fmt.Errorf("multipart: NextPart: %v", err)
		}

		if r.isBoundaryDelimiterLine(line) {
			r.partsRead++
			header, err := textproto.ReadHeader(r.bufReader)
			if err != nil {
				return nil, err
			}
			bp := &mpart{mr: r, Header: header, offset: r.consumed()}
			r.currentPart = bp
			return bp, nil
		}

		if r.isFinalBoundary(line) {
			return nil, io.EOF
		}

		if expectNewPart {
			return nil, fmt.Errorf("multipart: expecting a new Part; got line %q", string(line))
		}

		if r.partsRead == 0 {
			continue // preamble
		}

		// Consume the "\n" or "\r\n" separator between the body of the previous part and the
		// boundary line we now expect will follow (either a new part or the end boundary).
		if bytes.Equal(line, r.nl) {
			expectNewPart = true
			continue
		}

		return nil, fmt.Errorf("multipart: unexpected line in Next(): %q", line)
	}
}

// isFinalBoundary matches `^--boundary--[ \t]*(\r\n)?$`.
func (r *multipartReader) isFinalBoundary(line []byte) bool {
	if !bytes.HasPrefix(line, r.dashBoundaryDash) {
		return false
	}
	rest := skipLWSPChar(line[len(r.dashBoundaryDash):])
	return len(rest) == 0 || bytes.Equal(rest, r.nl)
}

// isBoundaryDelimiterLine: RFC 2046 §5.1, two hyphens, the boundary, optional linear
// whitespace and a terminating CRLF.
func (r *multipartReader) isBoundaryDelimiterLine(line []byte) bool {
	if !bytes.HasPrefix(line, r.dashBoundary) {
		return false
	}
	rest := skipLWSPChar(line[len(r.dashBoundary):])

	// On the first part, see our lines are ending in \n instead of \r\n and switch into
	// that mode if so. This is a violation of the spec, but occurs in practice.
	if r.partsRead == 0 && len(rest) == 1 && rest[0] == '\n' {
		r.nl = r.nl[1:]
		r.nlDashBoundary = r.nlDashBoundary[1:]
	}
	return bytes.Equal(rest, r.nl)
}

// skipLWSPChar returns b with leading spaces and tabs removed.
func skipLWSPChar(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	return b
}
