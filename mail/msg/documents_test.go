package msg

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"strings"
	"testing"

	"comptoir/mail/xdm"
	"comptoir/mail/xdm/xdmtest"
)

func TestBuildDocumentsToPatient(t *testing.T) {
	ins := "279035121518989"
	pkg := testPackage(t, ins)
	d := Draft{From: pharmacie, To: []Address{{Email: ins + "@" + PatientDomain}}, Text: "Voici votre compte rendu.",
		Documents: pkg, NoReplyExpected: true,
		Patient: &PatientInfo{INS: ins, Qualified: true, Family: "Dupont", Given: "Marie", BirthDate: pkg.Patient.BirthDate, FileNumber: "D42"}}
	b, err := Build(d, opts)
	if err != nil {
		t.Fatal(err)
	}
	m := stdParse(t, b.Raw)
	for k, want := range map[string]string{"X-MSS-CODECDA": "11488-4", "X-MSS-INS": "O", "X-MSS-MES": "FIN", "X-MSS-NIL": "Comptoir/1.0.0"} {
		if got := m.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if got, want := decodeHeader(t, m.Header.Get("Subject")), "XDM/1.0/DDM+Compte rendu de consultation DUPONT Marie 12/03/1979"; got != want {
		t.Errorf("Subject = %q, want %q", got, want)
	}
	_, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	mr := multipart.NewReader(m.Body, params["boundary"])
	var names []string
	var zipData []byte
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if p.FileName() == "" {
			continue
		}
		names = append(names, p.FileName())
		raw, _ := io.ReadAll(p)
		data, _ := io.ReadAll(base64Reader(raw))
		switch p.FileName() {
		case XDMName:
			zipData = data
			if ct := p.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/zip") {
				t.Errorf("zip Content-Type %q", ct)
			}
		default:
			if !bytes.Equal(data, testPDF) {
				t.Errorf("PDF copy %s differs", p.FileName())
			}
		}
	}
	if got, want := strings.Join(names, "|"), "20261124_Compte-rendu-de-consultation_DUPONT_Marie_D42.pdf|IHE_XDM.ZIP"; got != want {
		t.Errorf("attachments = %s, want %s", got, want)
	}
	back, err := xdm.Read(bytes.NewReader(zipData), int64(len(zipData)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if back.Patient.ID != ins || len(back.Documents) != 1 || !bytes.Equal(back.Documents[0].PDF, testPDF) {
		t.Errorf("XDM read back: %+v", back.Patient)
	}
	if len(b.Warnings) != 0 {
		t.Errorf("warnings %+v", b.Warnings)
	}

	// Unqualified INS: X-MSS-INS: N and a warning.
	d.Patient.Qualified = false
	b, err = Build(d, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := stdParse(t, b.Raw).Header.Get("X-MSS-INS"); got != "N" {
		t.Errorf("X-MSS-INS = %q", got)
	}
	if len(b.Warnings) != 1 || b.Warnings[0].Kind != WarnINSNotQualified {
		t.Errorf("warnings %+v", b.Warnings)
	}
}

func TestBuildParseRoundTrip(t *testing.T) {
	ins := "279035121518989"
	d := Draft{From: pharmacie, To: []Address{{Email: ins + "@" + PatientDomain}}, Subject: "Labellisé", Text: "Texte é\n> cité",
		Documents: testPackage(t, ins), RequestMDN: true,
		Attachments: []Attachment{{Name: "notice ü.txt", ContentType: "text/plain", Data: []byte("notice")}},
		Patient:     &PatientInfo{INS: ins, Qualified: true}}
	b, err := Build(d, opts)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(b.Raw)
	if err != nil {
		t.Fatal(err)
	}
	if p.MessageID != b.MessageID || !p.Date.Equal(testNow) || p.From != pharmacie {
		t.Errorf("header: %q %v %v", p.MessageID, p.Date, p.From)
	}
	if p.DisplaySubject() != "Labellisé DUPONT Marie 12/03/1979" {
		t.Errorf("DisplaySubject = %q", p.DisplaySubject())
	}
	if p.Body != "Texte é\n> cité" || p.Preview() != "Texte é" {
		t.Errorf("body %q preview %q", p.Body, p.Preview())
	}
	if p.Kind() != "xdm" || p.XDM == nil || p.XDMError != nil || p.XDMIndex != 2 {
		t.Fatalf("kind %q xdm %v err %v index %d", p.Kind(), p.XDM != nil, p.XDMError, p.XDMIndex)
	}
	if p.Patient == nil || p.Patient.INS != ins || p.Patient.Name != "DUPONT Marie" || p.Patient.Source != "xdm" {
		t.Errorf("patient %+v", p.Patient)
	}
	if strings.Join(p.MSS.CodeCDA, ",") != "11488-4" || p.MSS.INS != "O" || p.MSS.NIL != "Comptoir/1.0.0" {
		t.Errorf("MSS %+v", p.MSS)
	}
	if p.MDNRequest == nil || !p.MDNRequest.MustAsk { // no Return-Path yet: must ask
		t.Errorf("MDN request %+v", p.MDNRequest)
	}
	var names []string
	for _, a := range p.Attachments {
		names = append(names, a.Name)
	}
	if got := strings.Join(names, "|"); got != "20261124_Compte-rendu-de-consultation_DUPONT_Marie.pdf|notice ü.txt|IHE_XDM.ZIP" {
		t.Errorf("attachments %s", got)
	}
	if p.Attachments[0].Size != int64(len(testPDF)) || p.Attachments[1].ContentType != "text/plain" {
		t.Errorf("attachments %+v", p.Attachments)
	}
	r, err := p.Open(0)
	if err != nil {
		t.Fatal(err)
	}
	if data, _ := io.ReadAll(r); !bytes.Equal(data, testPDF) {
		t.Errorf("Open(0) differs")
	}
	if _, err := p.Open(3); err != ErrNoSuchAttachment && !isErr(err, ErrNoSuchAttachment) {
		t.Errorf("Open(3) = %v", err)
	}
	if !strings.Contains(p.Text(), "notice ü.txt") || !strings.Contains(p.Text(), "Compte rendu") {
		t.Errorf("Text() = %q", p.Text())
	}
}

// TestParseEnvelopeXDM: the indexing parse finds the patient and kind of an XDM message
// without decoding its documents.
func TestParseEnvelopeXDM(t *testing.T) {
	ins := "279035121518989"
	d := Draft{From: pharmacie, To: []Address{{Email: "medecin@" + "hopital.mssante.fr"}}, Subject: "CR", Text: "Texte",
		Documents: testPackage(t, ins), Patient: &PatientInfo{INS: ins, Qualified: true}}
	b, err := Build(d, opts)
	if err != nil {
		t.Fatal(err)
	}
	full, err := Parse(b.Raw)
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParseEnvelope(b.Raw)
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind() != "xdm" || p.XDM == nil || p.XDMError != nil || p.Patient == nil || *p.Patient != *full.Patient {
		t.Fatalf("kind %q, xdm %v (%v), patient %+v, want %+v", p.Kind(), p.XDM != nil, p.XDMError, p.Patient, full.Patient)
	}
	if p.Body != full.Body || len(p.Attachments) != len(full.Attachments) || p.Attachments[p.XDMIndex] != full.Attachments[full.XDMIndex] {
		t.Errorf("body or attachments differ: %+v vs %+v", p.Attachments, full.Attachments)
	}
	if doc := p.XDM.Documents[0]; doc.Data != nil || doc.PDF != nil || doc.Size != full.XDM.Documents[0].Size {
		t.Errorf("document decoded: %d bytes, PDF %d, size %d", len(doc.Data), len(doc.PDF), doc.Size)
	}
}

// TestParseEnvelopeDamagedXDM: an archive whose documents fail their checksum only when
// inflated keeps its patient in both parses (the list shows the patient the reader shows:
// the CI fuzzer once found them differing); the reader marks each document damaged and
// keeps the archive among the attachments, to be saved.
func TestParseEnvelopeDamagedXDM(t *testing.T) {
	data, err := testPackage(t, "279035121518989").Bytes()
	if err != nil {
		t.Fatal(err)
	}
	b, err := Build(Draft{From: medecin, To: []Address{pharmacie}, Subject: "CR",
		Attachments: []Attachment{{Name: XDMName, ContentType: "application/zip", Data: damageDocuments(t, data)}}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	full, err := Parse(b.Raw)
	if err != nil {
		t.Fatal(err)
	}
	env, err := ParseEnvelope(b.Raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*Parsed{full, env} {
		if p.XDM == nil || p.Patient == nil || p.Patient.INS != "279035121518989" || p.XDMError != nil {
			t.Fatalf("package %v, patient %+v, error %v: want the patient read", p.XDM != nil, p.Patient, p.XDMError)
		}
	}
	if !full.XDM.Damaged() || full.DocumentsError() != "" {
		t.Errorf("damaged %v, documents error %q", full.XDM.Damaged(), full.DocumentsError())
	}
	for _, d := range full.XDM.Documents {
		if !errors.Is(d.Damage, xdm.ErrCorrupt) || !strings.Contains(d.Problem(), "endommagé") {
			t.Errorf("document %s: damage %v, problem %q", d.URI, d.Damage, d.Problem())
		}
	}
}

// damageDocuments rewrites an archive with every entry but METADATA.XML under a wrong CRC-32.
func damageDocuments(t *testing.T, archive []byte) []byte {
	t.Helper()
	b, err := xdmtest.FlipCRC(archive, func(name string) bool { return !strings.HasSuffix(name, "METADATA.XML") })
	if err != nil {
		t.Fatal(err)
	}
	return b
}
