package sandbox

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"strings"
)

// Generated attachments for the demo seed: a one-page PDF and a JPEG "photo" of a
// prescription (the IHE XDM archive comes from mail/xdm).

// pdfLatin1 escapes text for a PDF literal string in WinAnsi (Latin-1) encoding.
func pdfLatin1(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 128:
			b.WriteRune(r)
		case r < 256:
			fmt.Fprintf(&b, "\\%03o", r)
		case r == '€':
			b.WriteString("\\200")
		case r == 'œ':
			b.WriteString("\\234")
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}

// makePDF returns a valid one-page PDF showing a title and lines of text.
func makePDF(title string, lines []string) []byte {
	var content strings.Builder
	content.WriteString("BT /F1 16 Tf 56 780 Td (" + pdfLatin1(title) + ") Tj ET\n")
	y := 740
	for _, l := range lines {
		fmt.Fprintf(&content, "BT /F1 11 Tf 56 %d Td (%s) Tj ET\n", y, pdfLatin1(l))
		y -= 16
	}
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.String()),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// makePhoto draws a slightly tilted sheet with text-like lines, as a phone photo of a
// prescription would look, and encodes it as JPEG.
func makePhoto() []byte {
	const w, h = 480, 640
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{96, 80, 64, 255}) // the table
		}
	}
	for y := 30; y < h-30; y++ {
		shift := (y - 30) / 24
		for x := 40 + shift; x < w-40+shift; x++ {
			c := color.RGBA{246, 244, 238, 255}
			line := (y-30)%22 < 2 && y > 120 && x < w-90+shift && (x/7)%9 != 0
			if line {
				c = color.RGBA{60, 60, 90, 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	_ = jpeg.Encode(&b, img, &jpeg.Options{Quality: 80})
	return b.Bytes()
}
