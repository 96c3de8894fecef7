package xdm

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// XDS classification and identification schemes (IHE ITI TF-3 §4.2.5).
const (
	schemeClassCode       = "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a"
	schemeAuthor          = "urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d"
	schemeSetAuthor       = "urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d"
	schemeTypeCode        = "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983"
	schemeFormatCode      = "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d"
	schemeConfidentiality = "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f"
	schemeFacility        = "urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1"
	schemePractice        = "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead"
	schemeContentType     = "urn:uuid:aa543740-bdda-424e-8c96-df4873be8500"
	idDocPatientID        = "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427"
	idDocUniqueID         = "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab"
	idSetPatientID        = "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446"
	idSetUniqueID         = "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8"
	idSetSourceID         = "urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832"
	nodeSubmissionSet     = "urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd"
	typeDocumentEntry     = "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1"
)

// The structs below match local names only, so any namespace prefix is accepted.
type xmlSlot struct {
	Name   string   `xml:"name,attr"`
	Values []string `xml:"ValueList>Value"`
}

type xmlLocalized struct {
	Value string `xml:"value,attr"`
}

type xmlName struct {
	Strings []xmlLocalized `xml:"LocalizedString"`
}

type xmlClassification struct {
	Scheme string    `xml:"classificationScheme,attr"`
	Node   string    `xml:"classificationNode,attr"`
	Object string    `xml:"classifiedObject,attr"`
	Code   string    `xml:"nodeRepresentation,attr"`
	Slots  []xmlSlot `xml:"Slot"`
	Name   xmlName   `xml:"Name"`
}

type xmlExternalID struct {
	Scheme string `xml:"identificationScheme,attr"`
	Value  string `xml:"value,attr"`
}

type xmlObject struct {
	ID              string              `xml:"id,attr"`
	MimeType        string              `xml:"mimeType,attr"`
	ObjectType      string              `xml:"objectType,attr"`
	Slots           []xmlSlot           `xml:"Slot"`
	Name            xmlName             `xml:"Name"`
	Classifications []xmlClassification `xml:"Classification"`
	ExternalIDs     []xmlExternalID     `xml:"ExternalIdentifier"`
}

type xmlAssociation struct {
	Type   string `xml:"associationType,attr"`
	Source string `xml:"sourceObject,attr"`
	Target string `xml:"targetObject,attr"`
}

type xmlRequest struct {
	Extrinsic       []xmlObject         `xml:"RegistryObjectList>ExtrinsicObject"`
	Packages        []xmlObject         `xml:"RegistryObjectList>RegistryPackage"`
	Classifications []xmlClassification `xml:"RegistryObjectList>Classification"`
	Associations    []xmlAssociation    `xml:"RegistryObjectList>Association"`
}

// maxMetadataSize bounds METADATA.XML; real ones are a few kilobytes per document.
const maxMetadataSize = 4 << 20

// ParseMetadata reads an XDS SubmitObjectsRequest (METADATA.XML). Documents are returned
// without their content (Data, PDF); Size and Hash are the declared ones. The request may be
// the root element or wrapped (a whole SOAP ProvideAndRegisterDocumentSetRequest), and its
// namespace prefixes need not be declared: elements are matched by local name.
func ParseMetadata(data []byte) (*Package, error) {
	if len(data) > maxMetadataSize {
		return nil, fmt.Errorf("%w: METADATA.XML is %d bytes", ErrTooLarge, len(data))
	}
	req, err := decodeRequest(data)
	if err != nil {
		return nil, err
	}
	signs := map[string]bool{}
	for _, a := range req.Associations {
		if a.Type == assocSigns {
			signs[a.Source] = true
		}
	}
	p := &Package{}
	for _, o := range req.Extrinsic {
		if o.ObjectType != "" && o.ObjectType != typeDocumentEntry {
			continue // on-demand entries and others are not documents we can show
		}
		d := Document{
			ID:              o.ID,
			Title:           o.Name.first(),
			MimeType:        o.MimeType,
			Class:           o.code(schemeClassCode),
			Type:            o.code(schemeTypeCode),
			Format:          o.code(schemeFormatCode),
			Confidentiality: o.code(schemeConfidentiality),
			Facility:        o.code(schemeFacility),
			Practice:        o.code(schemePractice),
			URI:             o.slotJoined("URI"),
			Hash:            strings.ToLower(o.slot("hash")),
			DeclaredHash:    strings.ToLower(o.slot("hash")),
			DeclaredSize:    -1,
			CreationTime:    parseDTM(o.slot("creationTime")),
			ServiceStart:    parseDTM(o.slot("serviceStartTime")),
			UniqueID:        o.extID(idDocUniqueID),
		}
		if n, err := strconv.ParseInt(o.slot("size"), 10, 64); err == nil && n >= 0 {
			d.Size, d.DeclaredSize = n, n
		}
		d.Author = o.author()
		if signs[o.ID] {
			d.Kind = KindSignature
		} else {
			d.Kind = d.Detect()
		}
		if cx := o.extID(idDocPatientID); cx != "" {
			id, oid, err := ParseCX(cx)
			if err != nil {
				return nil, err
			}
			if p.Patient.ID == "" {
				p.Patient.ID, p.Patient.OID = id, oid
			} else if id != p.Patient.ID || oid != p.Patient.OID {
				return nil, fmt.Errorf("%w: documents for several patients", ErrSeveralPatients)
			}
		}
		p.Patient.readSourceInfo(o.slotAll("sourcePatientInfo"))
		if d.Kind == KindSignature {
			p.Signatures = append(p.Signatures, d)
		} else {
			p.Documents = append(p.Documents, d)
		}
	}
	for _, o := range req.Packages {
		if !isSubmissionSet(o, req.Classifications) {
			continue
		}
		p.Title = o.Name.first()
		p.SubmissionTime = parseDTM(o.slot("submissionTime"))
		p.UniqueID = o.extID(idSetUniqueID)
		p.SourceID = o.extID(idSetSourceID)
		p.ContentType = o.code(schemeContentType)
		if cx := o.extID(idSetPatientID); cx != "" {
			id, oid, err := ParseCX(cx)
			if err != nil {
				return nil, err
			}
			if p.Patient.ID == "" {
				p.Patient.ID, p.Patient.OID = id, oid
			} else if id != p.Patient.ID {
				return nil, fmt.Errorf("%w: submission set and documents name different patients", ErrSeveralPatients)
			}
		}
		break
	}
	if p.Patient.ID == "" {
		return nil, fmt.Errorf("%w: no patient id", ErrBadMetadata)
	}
	return p, nil
}

// decodeRequest finds the SubmitObjectsRequest element, at the root or deeper (SOAP), and
// decodes it. encoding/xml never resolves external entities, so XXE is not a concern.
func decodeRequest(data []byte) (*xmlRequest, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		if strings.EqualFold(label, "utf-8") || strings.EqualFold(label, "us-ascii") {
			return in, nil
		}
		return nil, fmt.Errorf("unsupported encoding %q", label)
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil, fmt.Errorf("%w: no SubmitObjectsRequest", ErrBadMetadata)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadMetadata, err)
		}
		if t, ok := tok.(xml.StartElement); ok && t.Name.Local == "SubmitObjectsRequest" {
			var req xmlRequest
			if err := dec.DecodeElement(&req, &t); err != nil {
				return nil, fmt.Errorf("%w: %v", ErrBadMetadata, err)
			}
			return &req, nil
		}
	}
}

func isSubmissionSet(o xmlObject, top []xmlClassification) bool {
	for _, c := range append(o.Classifications, top...) {
		if c.Node == nodeSubmissionSet && (c.Object == "" || c.Object == o.ID) {
			return true
		}
	}
	// Lenient: a package carrying a submission-set uniqueId is one.
	return o.extID(idSetUniqueID) != ""
}

func (n xmlName) first() string {
	for _, s := range n.Strings {
		if s.Value != "" {
			return s.Value
		}
	}
	return ""
}

func (o xmlObject) slotAll(name string) []string {
	for _, s := range o.Slots {
		if s.Name == name {
			return s.Values
		}
	}
	return nil
}

func (o xmlObject) slot(name string) string {
	v := o.slotAll(name)
	if len(v) == 0 {
		return ""
	}
	return strings.TrimSpace(v[0])
}

// slotJoined joins values: a long URI may be split across several values ("1|part", "2|part").
func (o xmlObject) slotJoined(name string) string {
	v := o.slotAll(name)
	if len(v) <= 1 {
		return o.slot(name)
	}
	var b strings.Builder
	for _, s := range v {
		if _, rest, ok := strings.Cut(s, "|"); ok {
			b.WriteString(rest)
		} else {
			b.WriteString(s)
		}
	}
	return strings.TrimSpace(b.String())
}

func (o xmlObject) code(scheme string) Code {
	for _, c := range o.Classifications {
		if c.Scheme != scheme {
			continue
		}
		code := Code{Code: c.Code, Display: c.Name.first()}
		for _, s := range c.Slots {
			if s.Name == "codingScheme" && len(s.Values) > 0 {
				code.Scheme = s.Values[0]
			}
		}
		return code
	}
	return Code{}
}

// author reads the document's author classification: authorPerson as an XCN
// (id^family^given^…^&root&ISO…), authorInstitution as an XON (name^…^id).
func (o xmlObject) author() Author {
	var a Author
	for _, c := range o.Classifications {
		if c.Scheme != schemeAuthor {
			continue
		}
		for _, s := range c.Slots {
			if len(s.Values) == 0 {
				continue
			}
			f := strings.Split(strings.TrimSpace(s.Values[0]), "^")
			switch s.Name {
			case "authorPerson":
				a.ID = f[0]
				if len(f) > 2 {
					a.Family, a.Given = f[1], f[2]
				}
				if len(f) > 8 {
					if parts := strings.Split(f[8], "&"); len(parts) > 1 {
						a.IDRoot = parts[1]
					}
				}
			case "authorInstitution":
				a.Org = f[0]
				if len(f) > 9 {
					a.OrgID = f[9]
				}
			}
		}
		break
	}
	return a
}

func (o xmlObject) extID(scheme string) string {
	for _, e := range o.ExternalIDs {
		if e.Scheme == scheme {
			return strings.TrimSpace(e.Value)
		}
	}
	return ""
}

// readSourceInfo reads the HL7 v2 PID fields of sourcePatientInfo: PID-5 name, PID-7 birth
// date, PID-8 sex.
func (p *Patient) readSourceInfo(values []string) {
	for _, v := range values {
		field, val, ok := strings.Cut(strings.TrimSpace(v), "|")
		if !ok {
			continue
		}
		switch field {
		case "PID-5":
			comps := strings.Split(val, "^")
			if p.Family == "" && len(comps) > 0 {
				p.Family = comps[0]
			}
			if p.Given == "" && len(comps) > 1 {
				p.Given = comps[1]
			}
		case "PID-7":
			if p.BirthDate.IsZero() {
				p.BirthDate = parseDTM(val)
			}
		case "PID-8":
			if p.Sex == "" {
				p.Sex = val
			}
		}
	}
}

// parseDTM parses an HL7 DTM (YYYY[MM[DD[hh[mm[ss]]]]], UTC); the zero time if malformed.
func parseDTM(s string) time.Time {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "+-."); i >= 0 {
		s = s[:i]
	}
	layouts := map[int]string{4: "2006", 6: "200601", 8: "20060102", 10: "2006010215", 12: "200601021504", 14: "20060102150405"}
	l, ok := layouts[len(s)]
	if !ok {
		return time.Time{}
	}
	t, err := time.Parse(l, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

func formatDTM(t time.Time) string {
	return t.UTC().Format("20060102150405")
}
