package pdftest

import (
	"fmt"
	"strings"
)

// Pages is a document of A4 portrait pages, one per text. Each page writes its text and
// draws a black bar whose place depends on the page's index, so that two pages never
// render alike.
func Pages(texts ...string) []byte {
	return pages(len(texts), -1, 0, texts)
}

// FormBombOnPage is a document of n A4 pages where page bomb (from 0) draws a FormBomb of
// depth nested forms and the others are like Pages's: a renderer must survive the bomb and
// still show the other pages.
func FormBombOnPage(n, bomb, depth int) []byte {
	texts := make([]string, n)
	for i := range texts {
		texts[i] = fmt.Sprintf("Page %d", i+1)
	}
	return pages(n, bomb, depth, texts)
}

// pages numbers its objects: 1 catalog, 2 page tree, 3 font, then each page and its
// content stream, then the bomb's forms.
func pages(n, bomb, depth int, texts []string) []byte {
	kids := make([]string, n)
	for i := range kids {
		kids[i] = fmt.Sprintf("%d 0 R", 4+2*i)
	}
	objs := []Object{
		{Dict: "<< /Type /Catalog /Pages 2 0 R >>"},
		{Dict: fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n)},
		{Dict: "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"},
	}
	firstForm := 4 + 2*n
	for i, text := range texts {
		res := "/Font << /F1 3 0 R >>"
		content := fmt.Sprintf("BT /F1 24 Tf 72 760 Td (%s) Tj ET 0 0 0 rg 72 %d 300 60 re f", text, 650-60*(i%10))
		if i == bomb {
			res += fmt.Sprintf(" /XObject << /X %d 0 R >>", firstForm)
			content += " /X Do"
		}
		objs = append(objs,
			Object{Dict: fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << %s >> /Contents %d 0 R >>", res, 5+2*i)},
			Object{Dict: "<< /Filter /FlateDecode >>", Stream: Deflate([]byte(content))})
	}
	if bomb >= 0 {
		objs = append(objs, forms(firstForm, depth)...)
	}
	return Build(objs...)
}

// forms nests depth form XObjects numbered from first, each drawing the next one twice.
func forms(first, depth int) []Object {
	out := make([]Object, 0, depth)
	for i := 0; i < depth; i++ {
		res, content := "", "0 0 m 10 10 l 20 0 l f"
		if i+1 < depth {
			res = fmt.Sprintf("/XObject << /X %d 0 R >>", first+i+1)
			content = "q /X Do Q q 1 0 0 1 0.5 0.5 cm /X Do Q"
		}
		out = append(out, Object{Dict: fmt.Sprintf("<< /Type /XObject /Subtype /Form /BBox [0 0 600 850] /Resources << %s >> >>", res), Stream: []byte(content)})
	}
	return out
}
