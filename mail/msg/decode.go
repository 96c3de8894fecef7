package msg

import (
	"encoding/base64"
	"errors"
	"io"
	"mime/quotedprintable"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message"
	"golang.org/x/text/encoding/charmap"
)

// decodeTransfer undoes the part's Content-Transfer-Encoding; unknown encodings are given
// raw. Base64 is read leniently: characters outside the alphabet (line breaks, padding,
// garbage) are skipped, so that b64Chars gives the exact decoded size.
func decodeTransfer(h message.Header, raw io.Reader) io.Reader {
	return DecodeBody(h.Get("Content-Transfer-Encoding"), raw)
}

// DecodeBody undoes the Content-Transfer-Encoding encoding of a part's raw body, as the
// walk does: unknown encodings are given raw, base64 read leniently.
func DecodeBody(encoding string, raw io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "base64":
		return &b64Decoder{r: raw}
	case "quoted-printable":
		return quotedprintable.NewReader(raw)
	}
	return raw
}

// decodeText decodes a text part to UTF-8 (transfer encoding and charset); err reports an
// unknown charset or encoding, the body being readable anyway.
func decodeText(h message.Header, raw io.Reader) (io.Reader, error) {
	e, err := message.New(h, raw)
	if e == nil {
		return raw, err
	}
	return e.Body, err
}

var b64Alphabet = func() (t [256]bool) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" {
		t[c] = true
	}
	return t
}()

// b64Count is b64Alphabet as 0/1, for counting without branches.
var b64Count = func() (t [256]uint8) {
	for c, ok := range b64Alphabet {
		if ok {
			t[c] = 1
		}
	}
	return t
}()

// b64Decoder decodes base64 leniently, characters outside the alphabet skipped (as
// base64.NewDecoder over a filter would), by blocks of 32 KiB: the reader decodes the
// start of every attachment of a message it opens, and the whole of every text.
type b64Decoder struct {
	r     io.Reader
	in    []byte // alphabet characters not decoded yet (fewer than 4 between reads)
	out   []byte // decoded bytes not returned yet
	buf   []byte
	fills int
	done  bool
	err   error
}

func (d *b64Decoder) Read(p []byte) (int, error) {
	for len(d.out) == 0 {
		if d.done {
			return 0, d.err
		}
		d.fill()
	}
	n := copy(p, d.out)
	d.out = d.out[n:]
	return n, nil
}

// fill reads a block of the source and decodes its whole quanta. The first block is small:
// most readers look at the start of a part only.
func (d *b64Decoder) fill() {
	block := 1 << 10
	if d.fills > 0 {
		block = 32 << 10
	}
	d.fills++
	if cap(d.in) < block+4 {
		d.grow(block)
	}
	kept := len(d.in) // fewer than 4
	in := d.in[:kept+block]
	n, err := d.r.Read(in[kept:])
	k := kept
	for _, c := range in[kept : kept+n] {
		in[k] = c // kept only if in the alphabet: no branch per byte
		k += int(b64Count[c])
	}
	d.in = in[:k]
	whole := k &^ 3
	if err != nil {
		d.done, d.err, whole = true, err, k // the end: a partial quantum too
		if k%4 == 1 {
			whole = k - 1 // one character alone decodes to nothing: corrupt
			if errors.Is(err, io.EOF) {
				d.err = base64.CorruptInputError(k - 1)
			}
		}
	}
	m, derr := base64.RawStdEncoding.Decode(d.buf, d.in[:whole])
	if derr != nil && !d.done {
		d.done, d.err = true, derr
	}
	d.out = d.buf[:m]
	d.in = d.in[:copy(d.in, d.in[whole:])]
}

// grow makes room for block characters at a time, keeping those not decoded yet.
func (d *b64Decoder) grow(block int) {
	in := make([]byte, len(d.in), block+4)
	copy(in, d.in)
	d.in, d.buf = in, make([]byte, base64.RawStdEncoding.DecodedLen(block+4))
}

// partSize returns the decoded size of a part without keeping it: base64 is counted, not
// decoded (a tenth of the work for the PDFs that make most of a mailbox).
func partSize(h message.Header, raw io.Reader) (int64, error) {
	if strings.EqualFold(strings.TrimSpace(h.Get("Content-Transfer-Encoding")), "base64") {
		var buf [32 << 10]byte
		var chars int64
		for {
			n, err := raw.Read(buf[:])
			chars += b64Chars(buf[:n])
			if err == io.EOF {
				return chars * 6 / 8, nil
			}
			if err != nil {
				return chars * 6 / 8, err
			}
		}
	}
	return io.Copy(io.Discard, decodeTransfer(h, raw))
}

// b64Chars counts the base64 alphabet characters of p. The count is branch-free (a 0/1 table
// summed eight bytes at a time): the per-byte branch of a plain loop cost ~15 % of a sync's CPU.
func b64Chars(p []byte) int64 {
	var n int
	for len(p) >= 8 {
		n += int(b64Count[p[0]]) + int(b64Count[p[1]]) + int(b64Count[p[2]]) + int(b64Count[p[3]]) +
			int(b64Count[p[4]]) + int(b64Count[p[5]]) + int(b64Count[p[6]]) + int(b64Count[p[7]])
		p = p[8:]
	}
	for _, c := range p {
		n += int(b64Count[c])
	}
	return int64(n)
}

// fixText returns s as valid UTF-8: undeclared 8-bit text is, in French mail, almost always
// Windows-1252 (a superset of ISO-8859-1).
func fixText(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	if t, err := charmap.Windows1252.NewDecoder().String(s); err == nil {
		return t
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
