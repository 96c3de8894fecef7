package msg

import (
	"strings"
	"testing"

	"comptoir/mail/xdm"
)

// kosPackage is laid out like the ANS DRIM-M example: a DICOM KOS and the XDS signature entry,
// no CDA.
func kosPackage(ins, oid string) *xdm.Package {
	pat := xdm.Patient{ID: ins, OID: oid, Family: "PAT-SIX", Given: "Alain"}
	return &xdm.Package{Patient: pat, Title: "Imagerie", SubmissionTime: testNow, UniqueID: "1.2.250.1.999.2.9", SourceID: "1.2.250.1.999",
		Documents: []xdm.Document{
			{Title: "Reference d'Objets d'un Examen d'Imagerie", MimeType: "application/dicom", URI: "KOS_1_1.DCM",
				Type:     xdm.Code{Code: "IMG-KOS", Scheme: "1.2.250.1.213.1.1.4.12", Display: "Reference d'objets d'un examen d'imagerie"},
				Class:    xdm.Code{Code: "31", Scheme: "1.2.250.1.213.1.1.4.1", Display: "Imagerie médicale"},
				Format:   xdm.Code{Code: "1.2.840.10008.5.1.4.1.1.88.59", Scheme: "1.2.840.10008.2.6.1"},
				UniqueID: "1.2.250.1.999.1.9", Data: []byte("DICM-KOS")},
			{Title: "Source", MimeType: "text/xml", URI: "SIGN_1.XML",
				Type:     xdm.Code{Code: "E1762", Scheme: "ASTM", Display: "Full Document"},
				Class:    xdm.Code{Code: "urn:oid:1.3.6.1.4.1.19376.1.2.1.1.1", Scheme: "URN", Display: "Digital Signature"},
				Format:   xdm.Code{Code: "http://www.w3.org/2000/09/xmldsig#", Scheme: "URN", Display: "Default Signature Style"},
				UniqueID: "2.25.1", Data: []byte(`<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"/>`)},
		}}
}

// A DICOM + signature package carries no CDA: no X-MSS-CODECDA, no X-MSS-INS (ECO.2.4.1/2).
func TestBuildNoCDANoMSSHeaders(t *testing.T) {
	ins := "279035121518989"
	b, err := Build(Draft{From: medecin, To: []Address{pharmacie}, Subject: "Imagerie", Documents: kosPackage(ins, xdm.OIDINSNIR),
		Patient: &PatientInfo{INS: ins, Qualified: true}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	h := stdParse(t, b.Raw).Header
	if got := h.Get("X-MSS-CODECDA"); got != "" {
		t.Errorf("X-MSS-CODECDA = %q on a package without CDA", got)
	}
	if got := h.Get("X-MSS-INS"); got != "" {
		t.Errorf("X-MSS-INS = %q on a package without CDA", got)
	}
}

// X-MSS-CODECDA is the CDA's own code, not the XDS typeCode of its entry.
func TestBuildCodeCDAFromCDA(t *testing.T) {
	ins := "279035121518989"
	pkg := testPackage(t, ins) // the CDA's code is 11488-4
	pkg.Documents[0].Type = xdm.Code{Code: "34133-9", Scheme: "2.16.840.1.113883.6.1", Display: "Synthèse"}
	b, err := Build(Draft{From: medecin, To: []Address{pharmacie}, Documents: pkg, Patient: &PatientInfo{INS: ins, Qualified: true}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := stdParse(t, b.Raw).Header.Get("X-MSS-CODECDA"); got != "11488-4" {
		t.Errorf("X-MSS-CODECDA = %q, want the CDA's code 11488-4", got)
	}
}

// A private-OID identifier in METADATA.XML is a local identifier, never shown as an INS.
func TestParseLocalIdentifierIsNotINS(t *testing.T) {
	pkg := testPackage(t, "IPP000123")
	pkg.Patient.OID = "1.2.250.1.999.1.1.7898.2"
	b, err := Build(Draft{From: medecin, To: []Address{pharmacie}, Subject: "CR", Documents: pkg}, opts)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(b.Raw)
	if err != nil || p.XDM == nil {
		t.Fatalf("%v %v", err, p.XDMError)
	}
	if p.Patient == nil || p.Patient.INS != "" {
		t.Fatalf("patient %+v: a private-OID IPP shown as INS", p.Patient)
	}
	// An INS OID with a wrong key is not an INS either.
	pkg = testPackage(t, "279035121518988")
	b, _ = Build(Draft{From: medecin, To: []Address{pharmacie}, Subject: "CR", Documents: pkg}, opts)
	if p, _ = Parse(b.Raw); p.Patient == nil || p.Patient.INS != "" {
		t.Fatalf("patient %+v: an INS with a wrong key shown as INS", p.Patient)
	}
}

// X-MSS-INS comes from the builder's own check, never from the incoming message's header.
func TestForwardDoesNotCopyXMSSINS(t *testing.T) {
	ins := "279035121518989"
	orig, err := Build(Draft{From: medecin, To: []Address{pharmacie}, Subject: "Résultats", Documents: testPackage(t, ins),
		Patient: &PatientInfo{INS: ins, Qualified: true}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := Parse(orig.Raw)
	if p.MSS.INS != "O" {
		t.Fatalf("incoming X-MSS-INS %q", p.MSS.INS)
	}
	d := Forward(p)
	d.From, d.To = pharmacie, []Address{{Email: "confrere@sandbox.mssante.test"}}
	b, err := Build(d, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := stdParse(t, b.Raw).Header.Get("X-MSS-INS"); got != "N" {
		t.Errorf("forwarded X-MSS-INS = %q: copied from the incoming header, not checked by the sender", got)
	}
	if !strings.Contains(string(b.Raw), "X-MSS-CODECDA: 11488-4") {
		t.Errorf("forward lost X-MSS-CODECDA")
	}
}
