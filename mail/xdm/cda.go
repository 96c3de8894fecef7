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

// National identifier roots of health professionals and structures (ANS), as CI-SIS headers
// and XDS metadata write them.
const (
	OIDNationalPS        = "1.2.250.1.71.4.2.1" // "8" + RPPS, "0" + ADELI…
	OIDNationalStructure = "1.2.250.1.71.4.2.2" // type digit + FINESS, SIRET…
)

// CDAInfo describes the document NewCDA wraps around a PDF.
type CDAInfo struct {
	ID              string // document id root (an OID); required
	Type            Code   // LOINC type, e.g. a PharmacyDocTypes() entry's Type
	Title           string
	Created         time.Time
	ServiceStart    time.Time // the date of the act (documentationOf, encompassingEncounter)
	Author          Author
	Facility        Code // where the act took place; zero: FacilityPharmacie
	Confidentiality Code // zero: N (normal)
}

// Author is the health professional who wrote the document, and the structure they work for.
type Author struct {
	ID         string // national id of the professional: "8" + RPPS, "0" + ADELI
	IDRoot     string // OID of ID; "": OIDNationalPS
	Family     string
	Given      string
	Profession Code   // assignedAuthor/code, e.g. ProfessionPharmacien; zero: left out
	Org        string // the structure's name (raison sociale)
	OrgID      string // the structure's national id (type digit + FINESS, SIRET…), under OIDNationalStructure
}

func (a Author) root() string {
	if a.IDRoot == "" {
		return OIDNationalPS
	}
	return a.IDRoot
}

// NewCDA builds a CDA R2 level 1 document whose body is pdf (nonXMLBody, base64), with a
// French CI-SIS header: realmCode FR; the HL7 France, CI-SIS and XDS-SD (level 1) templateIds;
// the LOINC code; confidentiality and language fr-FR; the patient's INS (root = its OID) and
// birth name; the author under their national id; the structure as custodian; the legal
// authenticator; the act's date and the place of care.
func NewCDA(info CDAInfo, pat Patient, pdf []byte) ([]byte, error) {
	if info.ID == "" || pat.ID == "" || len(pdf) == 0 {
		return nil, fmt.Errorf("xdm: new CDA: id, patient and PDF are required: %w", ErrInvalidPackage)
	}
	if info.Facility.Code == "" {
		info.Facility = FacilityPharmacie
	}
	if info.Confidentiality.Code == "" {
		info.Confidentiality = ConfidentialityN
	}
	act := info.ServiceStart
	if act.IsZero() {
		act = info.Created
	}
	w := &xw{}
	e := w.esc
	ts := func(t time.Time) string { return t.UTC().Format("20060102150405+0000") }
	created := ts(info.Created)
	w.WriteString(xml.Header)
	w.WriteString(`<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` + "\n")
	w.WriteString(`<realmCode code="FR"/>` + "\n" + `<typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>` + "\n")
	// HL7 France, CI-SIS, CDA R2 level 1 (IHE XDS-SD): the only templateIds of an unstructured document.
	w.WriteString(`<templateId root="2.16.840.1.113883.2.8.2.1"/>` + "\n" + `<templateId root="1.2.250.1.213.1.1.1.1"/>` + "\n" +
		`<templateId root="1.3.6.1.4.1.19376.1.2.20"/>` + "\n")
	fmt.Fprintf(w, `<id root="%s"/>`+"\n", e(info.ID))
	fmt.Fprintf(w, `<code code="%s" codeSystem="%s" codeSystemName="LOINC" displayName="%s"/>`+"\n", e(info.Type.Code), e(info.Type.Scheme), e(info.Type.Display))
	fmt.Fprintf(w, "<title>%s</title>\n", e(info.Title))
	fmt.Fprintf(w, `<effectiveTime value="%s"/>`+"\n", created)
	fmt.Fprintf(w, `<confidentialityCode code="%s" codeSystem="%s" displayName="%s"/>`+"\n", e(info.Confidentiality.Code), e(info.Confidentiality.Scheme), e(info.Confidentiality.Display))
	w.WriteString(`<languageCode code="fr-FR"/>` + "\n")
	fmt.Fprintf(w, `<setId root="%s"/>`+"\n"+`<versionNumber value="1"/>`+"\n", e(info.ID))
	w.WriteString("<recordTarget><patientRole>\n")
	fmt.Fprintf(w, `<id root="%s" extension="%s"/>`+"\n", e(pat.OID), e(pat.ID))
	fmt.Fprintf(w, `<patient classCode="PSN"><name><family qualifier="BR">%s</family><given>%s</given></name>`, e(pat.Family), e(pat.Given))
	if pat.Sex != "" {
		fmt.Fprintf(w, `<administrativeGenderCode code="%s" codeSystem="2.16.840.1.113883.5.1"/>`, e(pat.Sex))
	}
	if !pat.BirthDate.IsZero() {
		fmt.Fprintf(w, `<birthTime value="%s"/>`, pat.BirthDate.Format("20060102"))
	}
	w.WriteString("</patient>\n</patientRole></recordTarget>\n")
	a := info.Author
	person := func() {
		fmt.Fprintf(w, `<id root="%s" extension="%s"/>`, e(a.root()), e(a.ID))
		if a.Profession.Code != "" {
			fmt.Fprintf(w, `<code code="%s" codeSystem="%s" displayName="%s"/>`, e(a.Profession.Code), e(a.Profession.Scheme), e(a.Profession.Display))
		}
		fmt.Fprintf(w, `<assignedPerson><name><given>%s</given><family>%s</family></name></assignedPerson>`, e(a.Given), e(a.Family))
		w.WriteString("<representedOrganization>")
		org(w, a)
		w.WriteString("</representedOrganization>")
	}
	fmt.Fprintf(w, `<author><time value="%s"/><assignedAuthor>`, created)
	person()
	w.WriteString("</assignedAuthor></author>\n")
	w.WriteString(`<custodian><assignedCustodian><representedCustodianOrganization>`)
	org(w, a)
	w.WriteString("</representedCustodianOrganization></assignedCustodian></custodian>\n")
	fmt.Fprintf(w, `<legalAuthenticator><time value="%s"/><signatureCode code="S"/><assignedEntity>`, created)
	person()
	w.WriteString("</assignedEntity></legalAuthenticator>\n")
	fmt.Fprintf(w, `<documentationOf><serviceEvent><effectiveTime><low value="%s"/></effectiveTime></serviceEvent></documentationOf>`+"\n", ts(act))
	fmt.Fprintf(w, `<componentOf><encompassingEncounter><effectiveTime><low value="%s"/></effectiveTime>`, ts(act))
	fmt.Fprintf(w, `<location><healthCareFacility><code code="%s" codeSystem="%s" displayName="%s"/></healthCareFacility></location>`,
		e(info.Facility.Code), e(info.Facility.Scheme), e(info.Facility.Display))
	w.WriteString("</encompassingEncounter></componentOf>\n")
	w.WriteString(`<component><nonXMLBody><text mediaType="application/pdf" representation="B64">` + "\n")
	enc := base64.StdEncoding.EncodeToString(pdf)
	for len(enc) > 76 {
		w.WriteString(enc[:76] + "\n")
		enc = enc[76:]
	}
	w.WriteString(enc + "\n</text></nonXMLBody></component>\n</ClinicalDocument>\n")
	return w.Bytes(), nil
}

// org writes the structure's id and name; without a national id, the id is marked unknown.
func org(w *xw, a Author) {
	if a.OrgID != "" {
		fmt.Fprintf(w, `<id root="%s" extension="%s"/>`, OIDNationalStructure, w.esc(a.OrgID))
	} else {
		w.WriteString(`<id nullFlavor="UNK"/>`)
	}
	fmt.Fprintf(w, `<name>%s</name>`, w.esc(a.Org))
}
