package xdm

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"path"
	"strings"
	"time"
)

const subset = "IHE_XDM/SUBSET01/"

// Write produces an IHE_XDM.ZIP holding p: INDEX.HTM, README.TXT,
// IHE_XDM/SUBSET01/METADATA.XML and the documents (DOC0001.XML...). Documents keep their URI
// when it is a plain file name; size and hash are computed from Data.
func Write(w io.Writer, p *Package) error {
	if p == nil || p.Patient.ID == "" || len(p.Documents) == 0 {
		return fmt.Errorf("xdm: write: a patient and at least one document are required: %w", ErrInvalidPackage)
	}
	q := *p
	q.Documents = make([]Document, len(p.Documents))
	used := map[string]bool{}
	for i, d := range p.Documents {
		if len(d.Data) == 0 {
			return fmt.Errorf("xdm: write: document %d has no content: %w", i+1, ErrInvalidPackage)
		}
		uri := strings.ToUpper(path.Base(strings.ReplaceAll(d.URI, `\`, "/")))
		if uri == "" || uri == "." || uri == ".." || uri == "/" || strings.ContainsAny(uri, `:`) || uri == "METADATA.XML" || used[uri] || !validName(uri) {
			uri = fmt.Sprintf("DOC%04d.XML", i+1)
		}
		used[uri] = true
		d.URI = uri
		d.DeclaredSize, d.DeclaredHash = -1, ""
		d.Verify()
		if d.MimeType == "" {
			d.MimeType = "text/xml"
		}
		if d.ID == "" {
			d.ID = fmt.Sprintf("Document%02d", i+1)
		}
		q.Documents[i] = d
	}
	if q.SubmissionTime.IsZero() {
		q.SubmissionTime = time.Now()
	}
	zw := zip.NewWriter(w)
	mod := q.SubmissionTime
	add := func(name string, data []byte) error {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: mod})
		if err != nil {
			return fmt.Errorf("xdm: write %s: %w", name, err)
		}
		if _, err := fw.Write(data); err != nil {
			return fmt.Errorf("xdm: write %s: %w", name, err)
		}
		return nil
	}
	if err := add("INDEX.HTM", indexHTM(&q)); err != nil {
		return err
	}
	if err := add("README.TXT", readme(&q)); err != nil {
		return err
	}
	if err := add(subset+"METADATA.XML", MarshalMetadata(&q)); err != nil {
		return err
	}
	for _, d := range q.Documents {
		if err := add(subset+d.URI, d.Data); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("xdm: write: %w", err)
	}
	return nil
}

// Bytes returns the archive Write produces.
func (p *Package) Bytes() ([]byte, error) {
	var b bytes.Buffer
	if err := Write(&b, p); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func indexHTM(p *Package) []byte {
	w := &xw{}
	w.WriteString("<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Documents IHE XDM</title></head><body>\n")
	fmt.Fprintf(w, "<h1>%s</h1>\n<ul>\n", w.esc(orDefault(p.Title, "Documents de santé")))
	for _, d := range p.Documents {
		fmt.Fprintf(w, "<li><a href=\"%s\">%s</a></li>\n", subset+d.URI, w.esc(orDefault(d.Title, d.URI)))
	}
	w.WriteString("</ul>\n<p><a href=\"README.TXT\">README.TXT</a></p>\n</body></html>\n")
	return w.Bytes()
}

func readme(p *Package) []byte {
	var b strings.Builder
	b.WriteString("Contenu IHE XDM (Cross-Enterprise Document Media Interchange)\r\n")
	b.WriteString("Produit par Comptoir, client de messagerie MSSanté.\r\n")
	fmt.Fprintf(&b, "Date : %s\r\n", p.SubmissionTime.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "Documents : %d (IHE_XDM/SUBSET01)\r\n", len(p.Documents))
	return []byte(b.String())
}

// validName keeps file names every media reader accepts: printable ASCII without separators.
func validName(s string) bool {
	for _, r := range s {
		if r <= ' ' || r > '~' || strings.ContainsRune(`<>"|?*`, r) {
			return false
		}
	}
	return true
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
