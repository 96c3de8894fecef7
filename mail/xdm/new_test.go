package xdm

import (
	"bytes"
	"strings"
	"testing"
)

var pharmacien = Author{ID: "810100000049", Family: "MARTIN", Given: "Paul", Profession: ProfessionPharmacien,
	Org: "Pharmacie du Centre", OrgID: "1750000016"}

// A document sent by the pharmacy: CDA R2 level 1 with a CI-SIS header, read back by our own
// reader with the same codes.
func TestNewPDFDocumentCISISHeader(t *testing.T) {
	bpm, ok := DocTypeByCode("56445-0")
	if !ok {
		t.Fatal("56445-0 not in the pharmacy list")
	}
	doc, err := NewPDFDocument(CDAInfo{Type: bpm.Type, Created: now, ServiceStart: now, Author: pharmacien}, bpm.Class, patient, pdf)
	if err != nil {
		t.Fatal(err)
	}
	cda := string(doc.Data)
	for _, want := range []string{
		`<realmCode code="FR"/>`,
		`<typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>`,
		`<templateId root="2.16.840.1.113883.2.8.2.1"/>`,
		`<templateId root="1.2.250.1.213.1.1.1.1"/>`,
		`<templateId root="1.3.6.1.4.1.19376.1.2.20"/>`,
		`<code code="56445-0" codeSystem="2.16.840.1.113883.6.1" codeSystemName="LOINC" displayName="Bilan médicamenteux (Officine)"/>`,
		`<confidentialityCode code="N" codeSystem="2.16.840.1.113883.5.25"`,
		`<languageCode code="fr-FR"/>`,
		`<id root="1.2.250.1.213.1.4.8" extension="279035121518989"/>`,
		`<family qualifier="BR">Dupont</family>`,
		`<administrativeGenderCode code="F"`, `<birthTime value="19790312"/>`,
		`<assignedAuthor><id root="1.2.250.1.71.4.2.1" extension="810100000049"/><code code="G15_21"`,
		`<representedCustodianOrganization><id root="1.2.250.1.71.4.2.2" extension="1750000016"/><name>Pharmacie du Centre</name>`,
		`<legalAuthenticator>`, `<signatureCode code="S"/>`,
		`<healthCareFacility><code code="SA33" codeSystem="1.2.250.1.71.4.2.4"`,
		`<nonXMLBody><text mediaType="application/pdf" representation="B64">`,
	} {
		if !strings.Contains(cda, want) {
			t.Errorf("CDA lacks %s", want)
		}
	}
	h, err := ParseCDA(doc.Data)
	if err != nil || h.Code != bpm.Type || h.Patient().Kind() != IDINS || h.MediaType != "application/pdf" || h.Title != "Bilan médicamenteux (Officine)" {
		t.Fatalf("%v %+v", err, h)
	}
	p, err := NewPackage(patient, "1.2.250.1.999", "Envoi", now, doc)
	if err != nil {
		t.Fatal(err)
	}
	data, err := p.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Read(bytes.NewReader(data), int64(len(data)), nil)
	if err != nil {
		t.Fatal(err)
	}
	d := back.Documents[0]
	if d.Kind != KindCDA || d.Class != bpm.Class || d.Facility != FacilityPharmacie || d.Practice != PracticeAmbulatoire ||
		d.Author.ID != pharmacien.ID || d.Author.OrgID != pharmacien.OrgID || d.Author.IDRoot != OIDNationalPS ||
		!d.Intact() || d.HashCheck != CheckOK || !bytes.Equal(d.PDF, pdf) {
		t.Errorf("read back %+v", d)
	}
	if got := strings.Join(back.CodesCDA(), ","); got != "56445-0" {
		t.Errorf("CodesCDA %s", got)
	}
}

func TestPharmacyDocTypes(t *testing.T) {
	seen := map[string]bool{}
	for _, dt := range PharmacyDocTypes() {
		if dt.Label == "" || dt.Type.Scheme != SchemeLOINC || dt.Class.Scheme != SchemeClasse || dt.Type.Display == "" || seen[dt.Type.Code] {
			t.Errorf("%+v", dt)
		}
		seen[dt.Type.Code] = true
	}
	for _, code := range []string{"56445-0", "87273-9", "57833-6"} { // BPM, vaccination, prescription
		if !seen[code] {
			t.Errorf("%s missing", code)
		}
	}
}
