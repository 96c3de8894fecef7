package msg

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"strings"
	"testing"
)

func TestReply(t *testing.T) {
	p := parseFile(t, "alternative.eml")
	me := "c@sandbox.mssante.test"
	d := Reply(p, false, me)
	if d.Subject != "Re: Alternative" || d.InReplyTo != "alt@hopital.mssante.fr" {
		t.Errorf("subject %q in-reply-to %q", d.Subject, d.InReplyTo)
	}
	if got := strings.Join(d.References, " "); got != "root@sandbox.mssante.test parent@sandbox.mssante.test alt@hopital.mssante.fr" {
		t.Errorf("references %s", got)
	}
	if len(d.To) != 1 || d.To[0].Email != "house@hopital.mssante.fr" || len(d.Cc) != 0 {
		t.Errorf("to %v cc %v", d.To, d.Cc)
	}
	if !strings.Contains(d.Text, "Dr House <house@hopital.mssante.fr> a écrit :\n> Version texte.") {
		t.Errorf("text %q", d.Text)
	}
	if !strings.Contains(d.Text, "Le 24 novembre 2026 à 09:00") {
		t.Errorf("attribution %q", d.Text)
	}
	d.From = Address{Email: me}
	b, err := Build(d, opts)
	if err != nil {
		t.Fatal(err)
	}
	m := stdParse(t, b.Raw)
	if m.Header.Get("In-Reply-To") != "<alt@hopital.mssante.fr>" ||
		!strings.HasSuffix(strings.Join(strings.Fields(m.Header.Get("References")), " "), "<parent@sandbox.mssante.test> <alt@hopital.mssante.fr>") {
		t.Errorf("threading headers %v", m.Header)
	}

	// Reply all: everyone but me; prefixes are not repeated.
	p.Subject = "RE: Re : TR: Alternative"
	p.To = []Address{{Email: "C@sandbox.mssante.test"}, {Email: "autre@sandbox.mssante.test"}}
	p.Cc = []Address{{Email: "cc@sandbox.mssante.test"}, {Email: "house@hopital.mssante.fr"}}
	d = Reply(p, true, me)
	if d.Subject != "Re: Alternative" {
		t.Errorf("subject %q", d.Subject)
	}
	if got := emails(d.To) + "|" + emails(d.Cc); got != "house@hopital.mssante.fr,autre@sandbox.mssante.test|cc@sandbox.mssante.test" {
		t.Errorf("recipients %s", got)
	}
}

func TestReplyToDocumentsHidesPrefix(t *testing.T) {
	p := &Parsed{Subject: "XDM/1.0/DDM+Compte rendu DUPONT Marie", MessageID: "x@y", From: Address{Email: "a@b.fr"}, XDMIndex: -1}
	if d := Reply(p, false, "me@b.fr"); d.Subject != "Re: Compte rendu DUPONT Marie" {
		t.Errorf("subject %q", d.Subject)
	}
}

func emails(as []Address) string {
	var s []string
	for _, a := range as {
		s = append(s, a.Email)
	}
	return strings.Join(s, ",")
}

func TestForward(t *testing.T) {
	ins := "279035121518989"
	orig, err := Build(Draft{From: medecin, To: []Address{pharmacie}, Subject: "Résultats", Text: "Ci-joint.",
		Documents: testPackage(t, ins), Patient: &PatientInfo{INS: ins, Qualified: true},
		Attachments: []Attachment{{Name: "note.txt", ContentType: "text/plain", Data: []byte("note")}}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(orig.Raw)
	if err != nil {
		t.Fatal(err)
	}
	d := Forward(p)
	if d.Subject != "Tr : Résultats DUPONT Marie 12/03/1979" {
		t.Errorf("subject %q", d.Subject)
	}
	if !strings.Contains(d.Text, "-------- Message transféré --------") || !strings.Contains(d.Text, "De : Dr Hélène Étienne <helene.etienne@sandbox.mssante.test>") ||
		!strings.Contains(d.Text, "Ci-joint.") {
		t.Errorf("text %q", d.Text)
	}
	if d.Documents == nil || d.Patient == nil || d.Patient.INS != ins || d.Patient.Qualified {
		t.Fatalf("documents or patient not carried (or X-MSS-INS copied): %+v", d.Patient)
	}
	d.Patient.Qualified = true // the sender's patient book knows this INS as qualified
	d.From = pharmacie
	d.To = []Address{{Email: "confrere@sandbox.mssante.test"}}
	b, err := Build(d, opts)
	if err != nil {
		t.Fatal(err)
	}
	m := stdParse(t, b.Raw)
	if m.Header.Get("X-MSS-CODECDA") != "11488-4" || m.Header.Get("X-MSS-INS") != "O" {
		t.Errorf("MSS headers lost: %v", m.Header)
	}
	// The PDF copy, the note and one IHE_XDM.ZIP: the copy is not duplicated.
	_, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	mr := multipart.NewReader(m.Body, params["boundary"])
	var names []string
	for {
		part, err := mr.NextPart()
		if err != nil {
			break
		}
		if part.FileName() != "" {
			names = append(names, part.FileName())
		}
	}
	if got := strings.Join(names, "|"); got != "20261124_Compte-rendu-de-consultation_DUPONT_Marie.pdf|note.txt|IHE_XDM.ZIP" {
		t.Errorf("attachments %s", got)
	}
	// The archive travels byte for byte.
	fwd, err := Parse(b.Raw)
	if err != nil || fwd.XDM == nil {
		t.Fatalf("forwarded: %v", err)
	}
	r1, _ := p.Open(p.XDMIndex)
	r2, _ := fwd.Open(fwd.XDMIndex)
	z1, _ := io.ReadAll(r1)
	z2, _ := io.ReadAll(r2)
	if len(z1) == 0 || !bytes.Equal(z1, z2) {
		t.Errorf("IHE_XDM.ZIP changed in transfer (%d -> %d bytes)", len(z1), len(z2))
	}

	// A draft that lost its Documents and Patient (e.g. through a UI) still carries the
	// archive, the XDM/1.0/DDM+ subject and X-MSS-CODECDA; X-MSS-INS is N (no own check).
	d.Documents, d.Patient = nil, nil
	b, err = Build(d, opts)
	if err != nil {
		t.Fatal(err)
	}
	if fwd, _ := Parse(b.Raw); fwd.XDMIndex < 0 || fwd.XDM == nil {
		t.Errorf("archive lost without Documents")
	}
	h := stdParse(t, b.Raw).Header
	if h.Get("X-MSS-CODECDA") != "11488-4" || h.Get("X-MSS-INS") != "N" ||
		!strings.HasPrefix(decodeHeader(t, h.Get("Subject")), "XDM/1.0/DDM+Tr : Résultats") {
		t.Errorf("without Documents: CODECDA %q INS %q subject %q", h.Get("X-MSS-CODECDA"), h.Get("X-MSS-INS"), decodeHeader(t, h.Get("Subject")))
	}
}

func TestBuildMDN(t *testing.T) {
	p := parseFile(t, "patient.eml")
	me := Address{Name: "Pharmacie du Centre", Email: "pharmacie-centre-75001-paris@sandbox.mssante.test"}
	b, err := BuildMDNMessage(p, me, opts)
	if err != nil {
		t.Fatal(err)
	}
	if b.From != "" || strings.Join(b.Recipients, ",") != "279035121518989@patient.mssante.fr" {
		t.Errorf("envelope %q %v", b.From, b.Recipients)
	}
	m := stdParse(t, b.Raw)
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/report" || params["report-type"] != "disposition-notification" {
		t.Fatalf("Content-Type %q %v", m.Header.Get("Content-Type"), err)
	}
	if m.Header.Get("X-MSS-NIL") != "Comptoir/1.0.0" || m.Header.Get("In-Reply-To") != "<p1@patient.mssante.fr>" {
		t.Errorf("header %v", m.Header)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	var types []string
	var report []byte
	for {
		part, err := mr.NextPart()
		if err != nil {
			break
		}
		types = append(types, part.Header.Get("Content-Type"))
		if part.Header.Get("Content-Type") == "message/disposition-notification" {
			report, _ = io.ReadAll(part)
		}
	}
	if got := strings.Join(types, "|"); got != "text/plain; charset=utf-8|message/disposition-notification|text/rfc822-headers" {
		t.Errorf("parts %s", got)
	}
	for _, want := range []string{"Final-Recipient: rfc822;" + me.Email, "Original-Message-ID: <p1@patient.mssante.fr>",
		"Disposition: manual-action/MDN-sent-manually; displayed", "Reporting-UA: Comptoir/1.0.0"} {
		if !bytes.Contains(report, []byte(want+"\r\n")) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	// Our own parser recognises it and links it to the original.
	back, err := Parse(b.Raw)
	if err != nil || back.Kind() != "mdn" || back.Report.OriginalMessageID != "p1@patient.mssante.fr" || back.Report.MDN.Disposition != "displayed" {
		t.Fatalf("parse back: %v %+v", err, back.Report)
	}
	if _, err := BuildMDN(back, me, testNow); !errors.Is(err, ErrNoMDNRequested) {
		t.Errorf("MDN to an MDN: %v", err)
	}
	if _, err := BuildMDN(parseFile(t, "alternative.eml"), me, testNow); !errors.Is(err, ErrNoMDNRequested) {
		t.Errorf("MDN without request: %v", err)
	}
}

func TestTrustList(t *testing.T) {
	xml := `<?xml version="1.0" encoding="UTF-8"?>
<ListeBlanche xmlns="https://listeblanche.mssante.fr/schema">
  <Domaine><Nom>sandbox.mssante.test</Nom></Domaine>
  <Domaine><Nom> Hopital.MSSante.fr </Nom><Operateur>X</Operateur></Domaine>
  <Autre><Nom>pas-un-domaine.fr</Nom></Autre>
</ListeBlanche>`
	tl, err := LoadTrustList(strings.NewReader(xml))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(tl.Domains(), ","); got != "hopital.mssante.fr,sandbox.mssante.test" {
		t.Errorf("domains %s", got)
	}
	if !tl.Contains("HOPITAL.mssante.fr") || tl.Contains("pas-un-domaine.fr") || !tl.Contains(PatientDomain) {
		t.Errorf("Contains")
	}
	out := tl.OutsideTrust([]string{"a@sandbox.mssante.test", "b@gmail.com", "279035121518989@patient.mssante.fr", "x@pas-un-domaine.fr"})
	if strings.Join(out, ",") != "b@gmail.com,x@pas-un-domaine.fr" {
		t.Errorf("outside %v", out)
	}
	// Wrong namespace or no domain: refused.
	for _, bad := range []string{`<ListeBlanche><Domaine><Nom>a.fr</Nom></Domaine></ListeBlanche>`, `<x`, ``} {
		if _, err := LoadTrustList(strings.NewReader(bad)); !errors.Is(err, ErrTrustList) {
			t.Errorf("LoadTrustList(%q) = %v", bad, err)
		}
	}
	var nilList *TrustList
	if !nilList.Contains(PatientDomain) || nilList.Contains("a.fr") {
		t.Errorf("nil list")
	}
}

func TestDisplaySubject(t *testing.T) {
	for in, want := range map[string]string{
		"XDM/1.0/DDM+Compte rendu DUPONT Marie": "Compte rendu DUPONT Marie",
		"xdm/1.0/ddm+x":                         "x",
		"Bonjour":                               "Bonjour",
		"XDM":                                   "XDM",
	} {
		if got := DisplaySubject(in); got != want {
			t.Errorf("DisplaySubject(%q) = %q", in, got)
		}
	}
}

func TestForwardDocumentsSubject(t *testing.T) {
	ins := "279035121518989"
	orig, err := Build(Draft{From: medecin, To: []Address{pharmacie}, Subject: "Résultats", Documents: testPackage(t, ins)}, opts)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := Parse(orig.Raw)
	d := Forward(p)
	d.From, d.To = pharmacie, []Address{medecin}
	b, err := Build(d, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeHeader(t, stdParse(t, b.Raw).Header.Get("Subject")); got != "XDM/1.0/DDM+Tr : Résultats DUPONT Marie 12/03/1979" {
		t.Errorf("subject %q", got)
	}
}
