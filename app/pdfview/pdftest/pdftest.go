// Package pdftest writes small PDF files for tests: a valid one-page document and the
// hostile ones a preview must survive (page-size, CPU and memory bombs, deep object graphs).
// Like net/http/httptest it is test support, never used by the application.
package pdftest

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"fmt"
	"hash/adler32"
	"strings"
)

// Object is one indirect object's body ("<< /Type /Page … >>"); Stream, when not nil, follows
// it as the object's stream (its /Length is added).
type Object struct {
	Dict   string
	Stream []byte
}

// Build writes a PDF whose objects are numbered from 1 in order; object 1 is the catalog.
func Build(objs ...Object) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n", i+1)
		if o.Stream != nil {
			d := strings.TrimSuffix(strings.TrimSpace(o.Dict), ">>")
			fmt.Fprintf(&b, "%s /Length %d >>\nstream\n", d, len(o.Stream))
			b.Write(o.Stream)
			b.WriteString("\nendstream")
		} else {
			b.WriteString(o.Dict)
		}
		b.WriteString("\nendobj\n")
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// Deflate compresses data for a /FlateDecode stream.
func Deflate(data []byte) []byte {
	var b bytes.Buffer
	w, _ := zlib.NewWriterLevel(&b, zlib.BestSpeed)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// DeflateRepeat compresses n copies of chunk without going through n×len(chunk) bytes:
// chunk is compressed once into non-final deflate blocks that only refer to themselves, and
// those blocks are repeated (bombs of gigabytes are built in milliseconds).
func DeflateRepeat(chunk []byte, n int) []byte {
	var block bytes.Buffer
	fw, _ := flate.NewWriter(&block, flate.BestCompression)
	fw.Write(chunk)
	fw.Flush() // byte-aligned, not final
	sum := adler32.New()
	var b bytes.Buffer
	b.Write([]byte{0x78, 0x01}) // zlib header, fastest
	for range n {
		b.Write(block.Bytes())
		sum.Write(chunk)
	}
	b.Write([]byte{0x03, 0x00}) // final empty block with fixed codes
	b.Write(sum.Sum(nil))
	return b.Bytes()
}

// page builds catalog, pages and one page of w×h points drawing content with resources.
func page(w, h float64, resources string, content []byte, extra ...Object) []byte {
	return pageRaw(w, h, resources, Deflate(content), extra...)
}

// pageRaw is page with a content stream already deflated.
func pageRaw(w, h float64, resources string, deflated []byte, extra ...Object) []byte {
	objs := []Object{
		{Dict: "<< /Type /Catalog /Pages 2 0 R >>"},
		{Dict: "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"},
		{Dict: fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %g %g] /Resources << %s >> /Contents 4 0 R >>", w, h, resources)},
		{Dict: "<< /Filter /FlateDecode >>", Stream: deflated},
	}
	return Build(append(objs, extra...)...)
}

// Page is a valid A4 page with a line of text.
func Page(text string) []byte {
	content := fmt.Sprintf("BT /F1 24 Tf 72 760 Td (%s) Tj ET", text)
	return page(595, 842, "/Font << /F1 5 0 R >>", []byte(content),
		Object{Dict: "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"})
}

// HugePage declares a page of side×side points (PDF's own limit is 14 400).
func HugePage(side float64) []byte {
	return page(side, side, "", []byte("0 0 m 100 100 l S"))
}

// FormBomb nests depth form XObjects, each drawing the next one twice: 2^depth drawings
// of a small path from a few hundred bytes (the "billion laughs" of PDF).
func FormBomb(depth int) []byte {
	return page(595, 842, "/XObject << /X 5 0 R >>", []byte("/X Do"), forms(5, depth)...)
}

// StreamBomb is a page whose content stream inflates to size MiB of spaces.
func StreamBomb(mib int) []byte {
	return pageRaw(595, 842, "", DeflateRepeat(bytes.Repeat([]byte(" "), 1<<20), mib))
}

// ImageBomb is a page drawing a w×h RGB image whose pixels inflate from a few bytes.
func ImageBomb(w, h int) []byte {
	var raw bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&raw, zlib.BestCompression)
	row := make([]byte, 3*w)
	for y := 0; y < h; y++ {
		zw.Write(row)
	}
	zw.Close()
	return page(595, 842, "/XObject << /I 5 0 R >>", []byte("q 595 0 0 842 0 0 cm /I Do Q"),
		Object{Dict: fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode >>", w, h), Stream: raw.Bytes()})
}

// DeepArrays is a page whose resources hold arrays nested depth deep.
func DeepArrays(depth int) []byte {
	return page(595, 842, "/Deep "+strings.Repeat("[", depth)+strings.Repeat("]", depth), []byte("0 0 m 10 10 l S"))
}
