package xdm

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// ExtractPDF returns the PDF embedded in a CDA R2 level 1 document
// (component/nonXMLBody/text, mediaType application/pdf, representation B64), decoding at
// most maxSize bytes (<= 0: no limit beyond the input's size).
func ExtractPDF(cda []byte, maxSize int64) ([]byte, error) {
	dec := xml.NewDecoder(bytes.NewReader(cda))
	dec.Strict = false
	dec.CharsetReader = func(label string, in io.Reader) (io.Reader, error) { return in, nil }
	inBody, inText := false, false
	var b64 strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("xdm: CDA: %v: %w", err, ErrNoPDF)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case t.Name.Local == "nonXMLBody":
				inBody = true
			case inBody && t.Name.Local == "text" && isPDFText(t.Attr):
				inText = true
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "nonXMLBody":
				inBody = false
			case "text":
				if inText {
					return decodeB64(b64.String(), maxSize)
				}
			}
		case xml.CharData:
			if inText {
				b64.Write(t)
				if maxSize > 0 && int64(b64.Len()) > maxSize/3*4+8192 {
					return nil, fmt.Errorf("xdm: CDA embedded PDF: %w", ErrTooLarge)
				}
			}
		}
	}
	return nil, ErrNoPDF
}

func isPDFText(attrs []xml.Attr) bool {
	media, b64 := "", false
	for _, a := range attrs {
		switch a.Name.Local {
		case "mediaType":
			media = strings.ToLower(strings.TrimSpace(a.Value))
		case "representation":
			b64 = strings.EqualFold(strings.TrimSpace(a.Value), "B64")
		}
	}
	return b64 && media == "application/pdf"
}

func decodeB64(s string, maxSize int64) ([]byte, error) {
	clean := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, s)
	pdf, err := base64.StdEncoding.DecodeString(clean)
	if err != nil {
		return nil, fmt.Errorf("xdm: CDA embedded PDF: %v: %w", err, ErrNoPDF)
	}
	if maxSize > 0 && int64(len(pdf)) > maxSize {
		return nil, fmt.Errorf("xdm: CDA embedded PDF: %w", ErrTooLarge)
	}
	return pdf, nil
}

// CDAInfo describes the document NewCDA wraps around a PDF.
type CDAInfo struct {
	ID           string // document id root (an OID); required
	Type         Code   // LOINC type, e.g. {"11488-4", "2.16.840.1.113883.6.1", "Compte rendu de consultation"}
	Title        string
	Created      time.Time
	ServiceStart time.Time
	Author       Author
}

// Author is the health professional or structure that wrote the document.
type Author struct {
	ID     string // national id (RPPS prefixed with 8) or FINESS
	IDRoot string // OID of the id, e.g. "1.2.250.1.71.4.2.1" for a national PS id
	Family string
	Given  string
	Org    string // organisation name
}

// NewCDA builds a CDA R2 level 1 document (French CI-SIS header) whose body is pdf.
func NewCDA(info CDAInfo, pat Patient, pdf []byte) ([]byte, error) {
	if info.ID == "" || pat.ID == "" || len(pdf) == 0 {
		return nil, fmt.Errorf("xdm: new CDA: id, patient and PDF are required: %w", ErrInvalidPackage)
	}
	w := &xw{}
	e := w.esc
	created := info.Created.UTC().Format("20060102150405+0000")
	w.WriteString(xml.Header)
	w.WriteString(`<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` + "\n")
	w.WriteString(`<realmCode code="FR"/><typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>` + "\n")
	w.WriteString(`<templateId root="2.16.840.1.113883.2.8.2.1"/><templateId root="1.2.250.1.213.1.1.1.1"/>` + "\n")
	fmt.Fprintf(w, `<id root="%s"/>`+"\n", e(info.ID))
	fmt.Fprintf(w, `<code code="%s" codeSystem="%s" displayName="%s"/>`+"\n", e(info.Type.Code), e(info.Type.Scheme), e(info.Type.Display))
	fmt.Fprintf(w, "<title>%s</title>\n", e(info.Title))
	fmt.Fprintf(w, `<effectiveTime value="%s"/>`+"\n", created)
	w.WriteString(`<confidentialityCode code="N" codeSystem="2.16.840.1.113883.5.25"/><languageCode code="fr-FR"/>` + "\n")
	w.WriteString("<recordTarget><patientRole>\n")
	fmt.Fprintf(w, `<id root="%s" extension="%s"/>`+"\n", e(pat.OID), e(pat.ID))
	fmt.Fprintf(w, `<patient><name><given>%s</given><family qualifier="BR">%s</family></name>`, e(pat.Given), e(pat.Family))
	if pat.Sex != "" {
		fmt.Fprintf(w, `<administrativeGenderCode code="%s" codeSystem="2.16.840.1.113883.5.1"/>`, e(pat.Sex))
	}
	if !pat.BirthDate.IsZero() {
		fmt.Fprintf(w, `<birthTime value="%s"/>`, pat.BirthDate.Format("20060102"))
	}
	w.WriteString("</patient>\n</patientRole></recordTarget>\n")
	a := info.Author
	fmt.Fprintf(w, `<author><time value="%s"/><assignedAuthor><id root="%s" extension="%s"/>`, created, e(a.IDRoot), e(a.ID))
	fmt.Fprintf(w, `<assignedPerson><name><given>%s</given><family>%s</family></name></assignedPerson>`, e(a.Given), e(a.Family))
	fmt.Fprintf(w, `<representedOrganization><name>%s</name></representedOrganization></assignedAuthor></author>`+"\n", e(a.Org))
	fmt.Fprintf(w, `<custodian><assignedCustodian><representedCustodianOrganization><id root="%s" extension="%s"/><name>%s</name></representedCustodianOrganization></assignedCustodian></custodian>`+"\n", e(a.IDRoot), e(a.ID), e(a.Org))
	if !info.ServiceStart.IsZero() {
		fmt.Fprintf(w, `<documentationOf><serviceEvent><effectiveTime><low value="%s"/></effectiveTime></serviceEvent></documentationOf>`+"\n", info.ServiceStart.UTC().Format("20060102150405+0000"))
	}
	w.WriteString(`<component><nonXMLBody><text mediaType="application/pdf" representation="B64">` + "\n")
	enc := base64.StdEncoding.EncodeToString(pdf)
	for len(enc) > 76 {
		w.WriteString(enc[:76] + "\n")
		enc = enc[76:]
	}
	w.WriteString(enc + "\n</text></nonXMLBody></component>\n</ClinicalDocument>\n")
	return w.Bytes(), nil
}
