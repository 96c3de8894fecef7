package xdm

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
)

// xw writes the ebRIM XML by hand: encoding/xml cannot emit the namespace prefixes that
// other XDM readers expect.
type xw struct{ bytes.Buffer }

func (w *xw) esc(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s)) // writing to a bytes.Buffer never fails
	return b.String()
}

func (w *xw) slot(name string, values ...string) {
	fmt.Fprintf(w, `<rim:Slot name="%s"><rim:ValueList>`, w.esc(name))
	for _, v := range values {
		fmt.Fprintf(w, `<rim:Value>%s</rim:Value>`, w.esc(v))
	}
	w.WriteString("</rim:ValueList></rim:Slot>\n")
}

func (w *xw) name(s string) {
	if s != "" {
		fmt.Fprintf(w, `<rim:Name><rim:LocalizedString value="%s"/></rim:Name>`+"\n", w.esc(s))
	}
}

func (w *xw) classification(id, scheme, object string, c Code) {
	if c.Code == "" {
		return
	}
	fmt.Fprintf(w, `<rim:Classification id="%s" classificationScheme="%s" classifiedObject="%s" nodeRepresentation="%s">`+"\n",
		w.esc(id), scheme, w.esc(object), w.esc(c.Code))
	w.slot("codingScheme", c.Scheme)
	w.name(c.Display)
	w.WriteString("</rim:Classification>\n")
}

func (w *xw) extID(id, scheme, object, value, label string) {
	fmt.Fprintf(w, `<rim:ExternalIdentifier id="%s" identificationScheme="%s" registryObject="%s" value="%s">`,
		w.esc(id), scheme, w.esc(object), w.esc(value))
	w.name(label)
	w.WriteString("</rim:ExternalIdentifier>\n")
}

// xcn writes the author as an HL7 v2 XCN, as the ANS examples do:
// 899700367909^DOC0036790^KIT^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS.
func (a Author) xcn() string {
	return a.ID + "^" + a.Family + "^" + a.Given + "^^^^^^&" + a.root() + "&ISO^D^^^IDNPS"
}

// xon writes the structure as an HL7 v2 XON: BCOM^^^^^&1.2.250.1.71.4.2.2&ISO^IDNST^^^499700367909006.
func (a Author) xon() string {
	if a.OrgID == "" {
		return a.Org
	}
	return a.Org + "^^^^^&" + OIDNationalStructure + "&ISO^IDNST^^^" + a.OrgID
}

// MarshalMetadata writes p as an XDS SubmitObjectsRequest (METADATA.XML).
func MarshalMetadata(p *Package) []byte {
	w := &xw{}
	w.WriteString(xml.Header)
	w.WriteString(`<lcm:SubmitObjectsRequest xmlns:lcm="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0" xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0">` + "\n<rim:RegistryObjectList>\n")
	pid := p.Patient.CX()
	var info []string
	if p.Patient.Family != "" || p.Patient.Given != "" {
		info = append(info, "PID-5|"+p.Patient.Family+"^"+p.Patient.Given)
	}
	if !p.Patient.BirthDate.IsZero() {
		info = append(info, "PID-7|"+p.Patient.BirthDate.Format("20060102"))
	}
	if p.Patient.Sex != "" {
		info = append(info, "PID-8|"+p.Patient.Sex)
	}
	for i, d := range p.Documents {
		id := d.ID
		if id == "" {
			id = "Document" + strconv.Itoa(i+1)
		}
		fmt.Fprintf(w, `<rim:ExtrinsicObject id="%s" mimeType="%s" objectType="%s">`+"\n", w.esc(id), w.esc(d.MimeType), typeDocumentEntry)
		if !d.CreationTime.IsZero() {
			w.slot("creationTime", formatDTM(d.CreationTime))
		}
		if !d.ServiceStart.IsZero() {
			w.slot("serviceStartTime", formatDTM(d.ServiceStart))
		}
		w.slot("languageCode", "fr-FR")
		w.slot("sourcePatientId", pid)
		if len(info) > 0 {
			w.slot("sourcePatientInfo", info...)
		}
		w.slot("URI", d.URI)
		w.slot("size", strconv.FormatInt(d.Size, 10))
		if d.Hash != "" {
			w.slot("hash", d.Hash)
		}
		if a := d.Author; a.ID != "" {
			w.slot("legalAuthenticator", a.xcn())
		}
		w.name(d.Title)
		sfx := strconv.Itoa(i + 1)
		if a := d.Author; a.ID != "" {
			fmt.Fprintf(w, `<rim:Classification id="cl-author-%s" classificationScheme="%s" classifiedObject="%s" nodeRepresentation="">`+"\n", sfx, schemeAuthor, w.esc(id))
			w.slot("authorPerson", a.xcn())
			if a.Org != "" || a.OrgID != "" {
				w.slot("authorInstitution", a.xon())
			}
			if a.Profession.Code != "" {
				w.slot("authorSpecialty", a.Profession.Code+"^"+a.Profession.Display+"^"+a.Profession.Scheme)
			}
			w.WriteString("</rim:Classification>\n")
		}
		w.classification("cl-class-"+sfx, schemeClassCode, id, d.Class)
		w.classification("cl-type-"+sfx, schemeTypeCode, id, d.Type)
		w.classification("cl-format-"+sfx, schemeFormatCode, id, d.Format)
		w.classification("cl-conf-"+sfx, schemeConfidentiality, id, d.Confidentiality)
		w.classification("cl-facility-"+sfx, schemeFacility, id, d.Facility)
		w.classification("cl-practice-"+sfx, schemePractice, id, d.Practice)
		w.extID("ei-pid-"+sfx, idDocPatientID, id, pid, "XDSDocumentEntry.patientId")
		w.extID("ei-uid-"+sfx, idDocUniqueID, id, d.UniqueID, "XDSDocumentEntry.uniqueId")
		w.WriteString("</rim:ExtrinsicObject>\n")
	}
	w.WriteString(`<rim:RegistryPackage id="SubmissionSet01">` + "\n")
	w.slot("submissionTime", formatDTM(p.SubmissionTime))
	w.name(p.Title)
	if len(p.Documents) > 0 && p.Documents[0].Author.ID != "" {
		a := p.Documents[0].Author
		fmt.Fprintf(w, `<rim:Classification id="cl-ss-author" classificationScheme="%s" classifiedObject="SubmissionSet01" nodeRepresentation="">`+"\n", schemeSetAuthor)
		w.slot("authorPerson", a.xcn())
		if a.Org != "" || a.OrgID != "" {
			w.slot("authorInstitution", a.xon())
		}
		w.WriteString("</rim:Classification>\n")
	}
	w.classification("cl-ss-content", schemeContentType, "SubmissionSet01", p.ContentType)
	w.extID("ei-ss-uid", idSetUniqueID, "SubmissionSet01", p.UniqueID, "XDSSubmissionSet.uniqueId")
	w.extID("ei-ss-src", idSetSourceID, "SubmissionSet01", p.SourceID, "XDSSubmissionSet.sourceId")
	w.extID("ei-ss-pid", idSetPatientID, "SubmissionSet01", pid, "XDSSubmissionSet.patientId")
	w.WriteString("</rim:RegistryPackage>\n")
	fmt.Fprintf(w, `<rim:Classification id="cl-ss" classifiedObject="SubmissionSet01" classificationNode="%s"/>`+"\n", nodeSubmissionSet)
	for i, d := range p.Documents {
		id := d.ID
		if id == "" {
			id = "Document" + strconv.Itoa(i+1)
		}
		fmt.Fprintf(w, `<rim:Association id="as-%d" associationType="urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember" sourceObject="SubmissionSet01" targetObject="%s">`, i+1, w.esc(id))
		w.slot("SubmissionSetStatus", "Original")
		w.WriteString("</rim:Association>\n")
	}
	w.WriteString("</rim:RegistryObjectList>\n</lcm:SubmitObjectsRequest>\n")
	return w.Bytes()
}
