package xdm

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// ErrNotCDA: the data is not a CDA document (no ClinicalDocument root, or not XML).
var ErrNotCDA = errors.New("xdm: not a CDA document")

// CDAHeader is what Comptoir reads of a CDA R2 document's header.
type CDAHeader struct {
	ID        string // id root (and ^extension)
	Code      Code   // the document's own type (code element): X-MSS-CODECDA
	Title     string
	Effective time.Time
	// Patients are the ids of recordTarget/patientRole: the INS and any local ids (IPP).
	Patients  []Patient
	Family    string // birth name (family qualifier BR, else the first)
	Given     string
	Sex       string
	BirthDate time.Time
	// Body is "nonXMLBody" (level 1) or "structuredBody"; MediaType the level 1 body's type.
	Body, MediaType string
}

// Patient returns the patient's INS among the recordTarget ids, else the first id.
func (h *CDAHeader) Patient() Patient {
	var out Patient
	for _, p := range h.Patients {
		if p.IsINS() {
			out = p
			break
		}
	}
	if out.ID == "" && len(h.Patients) > 0 {
		out = h.Patients[0]
	}
	out.Family, out.Given, out.Sex, out.BirthDate = h.Family, h.Given, h.Sex, h.BirthDate
	return out
}

// ParseCDA reads the header of a CDA R2 document; it stops at the body, whose kind it notes.
// Any namespace prefix is accepted; external entities are never resolved.
func ParseCDA(data []byte) (*CDAHeader, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = false
	dec.CharsetReader = func(_ string, in io.Reader) (io.Reader, error) { return in, nil }
	h := &CDAHeader{}
	var stack []string
	var text strings.Builder
	inText := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			if len(stack) == 0 {
				return nil, fmt.Errorf("%w: %v", ErrNotCDA, err)
			}
			return h, nil // keep what the header gave before the damage
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			if len(stack) == 0 && name != "ClinicalDocument" {
				return nil, fmt.Errorf("%w: root element %q", ErrNotCDA, name)
			}
			stack = append(stack, name)
			h.start(stack, t.Attr)
			if name == "nonXMLBody" || name == "structuredBody" {
				h.Body = name
				if name == "structuredBody" {
					return h, nil
				}
			}
			if h.Body == "nonXMLBody" && name == "text" {
				h.MediaType = attr(t.Attr, "mediaType")
				return h, nil
			}
			inText = isTextField(stack)
			text.Reset()
		case xml.CharData:
			if inText {
				text.Write(t)
			}
		case xml.EndElement:
			if inText {
				h.end(stack, strings.TrimSpace(text.String()))
				inText = false
			}
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
	if len(stack) == 0 && h.Code.Code == "" && h.ID == "" && len(h.Patients) == 0 {
		return nil, ErrNotCDA
	}
	return h, nil
}

// path reports whether the element stack ends with the given names below ClinicalDocument.
func at(stack []string, names ...string) bool {
	if len(stack) != len(names)+1 {
		return false
	}
	for i, n := range names {
		if stack[i+1] != n {
			return false
		}
	}
	return true
}

func isTextField(stack []string) bool {
	return at(stack, "title") ||
		at(stack, "recordTarget", "patientRole", "patient", "name", "family") ||
		at(stack, "recordTarget", "patientRole", "patient", "name", "given")
}

func (h *CDAHeader) start(stack []string, attrs []xml.Attr) {
	switch {
	case at(stack, "id"):
		h.ID = attr(attrs, "root")
		if ext := attr(attrs, "extension"); ext != "" {
			h.ID += "^" + ext
		}
	case at(stack, "code"):
		h.Code = Code{Code: attr(attrs, "code"), Scheme: attr(attrs, "codeSystem"), Display: attr(attrs, "displayName")}
	case at(stack, "effectiveTime"):
		h.Effective = parseDTM(attr(attrs, "value"))
	case at(stack, "recordTarget", "patientRole", "id"):
		if id := strings.TrimSpace(attr(attrs, "extension")); id != "" {
			h.Patients = append(h.Patients, Patient{ID: id, OID: strings.TrimSpace(attr(attrs, "root"))})
		}
	case at(stack, "recordTarget", "patientRole", "patient", "administrativeGenderCode"):
		h.Sex = attr(attrs, "code")
	case at(stack, "recordTarget", "patientRole", "patient", "birthTime"):
		h.BirthDate = parseDTM(attr(attrs, "value"))
	case at(stack, "recordTarget", "patientRole", "patient", "name", "family"):
		if q := attr(attrs, "qualifier"); q == "BR" && h.Family != "" {
			h.Family = "" // the birth name wins over a name read before it
		}
	}
}

func (h *CDAHeader) end(stack []string, text string) {
	switch {
	case at(stack, "title"):
		h.Title = text
	case at(stack, "recordTarget", "patientRole", "patient", "name", "family"):
		if h.Family == "" {
			h.Family = text
		}
	case at(stack, "recordTarget", "patientRole", "patient", "name", "given"):
		if h.Given == "" {
			h.Given = text
		}
	}
}

func attr(attrs []xml.Attr, name string) string {
	for _, a := range attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}
