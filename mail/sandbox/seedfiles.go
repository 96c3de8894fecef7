package sandbox

import (
	"archive/zip"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"strings"
	"time"
)

// Generated attachments for the demo seed: a one-page PDF, a JPEG "photo" of a
// prescription and an IHE XDM archive.

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

// xdmDoc is the clinical document packed in a seed XDM archive.
type xdmDoc struct {
	INS, Surname, Given, BirthDate, Sex string // BirthDate YYYYMMDD
	AuthorID, AuthorName                string
	LOINC, Title                        string
	Date                                time.Time
	Text                                string
}

// makeXDM builds an IHE_XDM.ZIP: INDEX.HTM, README.TXT, IHE_XDM/SUBSET01/METADATA.XML and
// the CDA R2 document.
func makeXDM(d xdmDoc) []byte {
	ts := d.Date.UTC().Format("20060102150405")
	cda := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3">
  <typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>
  <id root="1.2.250.1.999.1" extension="%s"/>
  <code code="%s" codeSystem="2.16.840.1.113883.6.1" displayName="%s"/>
  <title>%s</title>
  <effectiveTime value="%s"/>
  <confidentialityCode code="N" codeSystem="2.16.840.1.113883.5.25"/>
  <languageCode code="fr-FR"/>
  <recordTarget><patientRole>
    <id root="1.2.250.1.213.1.4.8" extension="%s"/>
    <patient><name><given>%s</given><family qualifier="BR">%s</family></name>
      <administrativeGenderCode code="%s" codeSystem="2.16.840.1.113883.5.1"/>
      <birthTime value="%s"/></patient>
  </patientRole></recordTarget>
  <author><time value="%s"/><assignedAuthor><id root="1.2.250.1.71.4.2.1" extension="%s"/>
    <assignedPerson><name><family>%s</family></name></assignedPerson></assignedAuthor></author>
  <component><nonXMLBody><text mediaType="text/plain">%s</text></nonXMLBody></component>
</ClinicalDocument>
`, ts, d.LOINC, d.Title, d.Title, ts, d.INS, d.Given, d.Surname, d.Sex, d.BirthDate, ts, d.AuthorID, d.AuthorName, d.Text)
	meta := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<lcm:SubmitObjectsRequest xmlns:lcm="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0" xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0">
 <rim:RegistryObjectList>
  <rim:ExtrinsicObject id="Document01" mimeType="text/xml" objectType="urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1">
   <rim:Slot name="URI"><rim:ValueList><rim:Value>DOC0001.XML</rim:Value></rim:ValueList></rim:Slot>
   <rim:Slot name="creationTime"><rim:ValueList><rim:Value>%s</rim:Value></rim:ValueList></rim:Slot>
   <rim:Slot name="sourcePatientId"><rim:ValueList><rim:Value>%s^^^&amp;1.2.250.1.213.1.4.8&amp;ISO</rim:Value></rim:ValueList></rim:Slot>
   <rim:Slot name="sourcePatientInfo"><rim:ValueList>
     <rim:Value>PID-5|%s^%s^^^^^L</rim:Value><rim:Value>PID-7|%s</rim:Value><rim:Value>PID-8|%s</rim:Value>
   </rim:ValueList></rim:Slot>
   <rim:Name><rim:LocalizedString value="%s"/></rim:Name>
   <rim:Classification classificationScheme="urn:uuid:f0306f51-975f-434e-a61c-c59651d33983" classifiedObject="Document01" nodeRepresentation="%s">
    <rim:Slot name="codingScheme"><rim:ValueList><rim:Value>2.16.840.1.113883.6.1</rim:Value></rim:ValueList></rim:Slot>
   </rim:Classification>
   <rim:ExternalIdentifier identificationScheme="urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427" value="%s^^^&amp;1.2.250.1.213.1.4.8&amp;ISO" registryObject="Document01"/>
  </rim:ExtrinsicObject>
  <rim:RegistryPackage id="SubmissionSet01">
   <rim:Slot name="submissionTime"><rim:ValueList><rim:Value>%s</rim:Value></rim:ValueList></rim:Slot>
   <rim:ExternalIdentifier identificationScheme="urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446" value="%s^^^&amp;1.2.250.1.213.1.4.8&amp;ISO" registryObject="SubmissionSet01"/>
  </rim:RegistryPackage>
 </rim:RegistryObjectList>
</lcm:SubmitObjectsRequest>
`, ts, d.INS, d.Surname, d.Given, d.BirthDate, d.Sex, d.Title, d.LOINC, d.INS, ts, d.INS)
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	files := []struct{ name, body string }{
		{"INDEX.HTM", "<html><body><h1>" + d.Title + "</h1><p><a href=\"IHE_XDM/SUBSET01/DOC0001.XML\">Document</a></p></body></html>\n"},
		{"README.TXT", "Archive IHE XDM produite par un logiciel fictif (bac à sable Comptoir).\r\n"},
		{"IHE_XDM/SUBSET01/METADATA.XML", meta},
		{"IHE_XDM/SUBSET01/DOC0001.XML", cda},
	}
	for _, f := range files {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: d.Date})
		_, _ = w.Write([]byte(f.body))
	}
	_ = zw.Close()
	return b.Bytes()
}
