package msg

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func parseFile(t *testing.T, name string) *Parsed {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(raw)
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return p
}

func TestParseLatin1MalformedDate(t *testing.T) {
	p := parseFile(t, "latin1.eml")
	if p.Subject != "Résultats d'analyse" || p.From.Name != "Jean Dupré" {
		t.Errorf("subject %q from %q", p.Subject, p.From.Name)
	}
	if p.Body != "Bonjour,\nLes résultats sont arrivés. Très bien." {
		t.Errorf("body %q", p.Body)
	}
	if !p.Date.IsZero() || !hasDefect(p, "Date") {
		t.Errorf("date %v defects %v", p.Date, p.Defects)
	}
}

func TestParseWindows1252(t *testing.T) {
	p := parseFile(t, "cp1252.eml")
	if p.Body != "Prix : 10 € – “ok”" {
		t.Errorf("body %q", p.Body)
	}
}

func TestParseUnknownCharset(t *testing.T) {
	p := parseFile(t, "unknown-charset.eml")
	if p.Body != "plain ascii body" || len(p.Defects) == 0 {
		t.Errorf("body %q defects %v", p.Body, p.Defects)
	}
	if p.Subject == "" {
		t.Errorf("subject lost")
	}
}

func TestParseAlternativeAndThreading(t *testing.T) {
	p := parseFile(t, "alternative.eml")
	if p.Body != "Version texte." || p.BodyFromHTML {
		t.Errorf("body %q html %v", p.Body, p.BodyFromHTML)
	}
	if p.InReplyTo != "parent@sandbox.mssante.test" || strings.Join(p.References, " ") != "root@sandbox.mssante.test parent@sandbox.mssante.test" {
		t.Errorf("threading %q %v", p.InReplyTo, p.References)
	}
	if len(p.Attachments) != 0 || p.Kind() != "" {
		t.Errorf("attachments %v kind %q", p.Attachments, p.Kind())
	}
}

func TestParseHTMLSanitized(t *testing.T) {
	p := parseFile(t, "html.eml")
	want := "Rappel\n\nBonjour Madame,\nvotre rendez-vous <https://exemple.fr/rdv> est confirmé.\n\n[Logo]\n\n• un\n• deux\n\npiège x@y.fr"
	if p.Body != want || !p.BodyFromHTML {
		t.Errorf("body\n%q\nwant\n%q", p.Body, want)
	}
	for _, bad := range []string{"alert", "color", "Titre", "tracker", "javascript"} {
		if strings.Contains(p.Body, bad) {
			t.Errorf("body shows %q", bad)
		}
	}
	if len(p.Attachments) != 1 || !p.Attachments[0].Inline || p.Attachments[0].ContentID != "logo" || p.Attachments[0].ContentType != "image/png" {
		t.Errorf("attachments %+v", p.Attachments)
	}
}

func TestParseBrokenMIME(t *testing.T) {
	p := parseFile(t, "broken-multipart.eml")
	if !strings.HasPrefix(p.Body, "premier") || len(p.Defects) == 0 {
		t.Errorf("body %q defects %v", p.Body, p.Defects)
	}
	p = parseFile(t, "no-boundary.eml")
	if !hasDefect(p, "boundary") {
		t.Errorf("defects %v", p.Defects)
	}
	for _, raw := range []string{"", "\x00\x01", "no header at all", ":\r\n\r\n", "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n--x--"} {
		p, err := Parse([]byte(raw))
		if err == nil && p == nil {
			t.Errorf("Parse(%q) = nil, nil", raw)
		}
	}
}

func TestParseDSN(t *testing.T) {
	p := parseFile(t, "dsn.eml")
	r := p.Report
	if p.Kind() != "dsn" || r == nil {
		t.Fatalf("kind %q", p.Kind())
	}
	if r.OriginalMessageID != "20261124.abc@sandbox.mssante.test" || r.OriginalEnvelopeID != "20261124.abc@sandbox.mssante.test" ||
		r.OriginalSubject != "Votre ordonnance est prête" || r.ReportingMTA != "mx.sandbox.mssante.test" {
		t.Errorf("report %+v", r)
	}
	if len(r.Recipients) != 2 || !r.Failed() {
		t.Fatalf("recipients %+v", r.Recipients)
	}
	want := ReportRecipient{Recipient: "180127512345678@patient.mssante.fr", OriginalRecipient: "180127512345678@patient.mssante.fr",
		Action: "failed", Status: "5.1.1", Diagnostic: "550 5.1.1 mailbox closed"}
	if r.Recipients[0] != want || r.Recipients[1].Action != "delayed" || r.Recipients[1].Status != "4.4.1" {
		t.Errorf("recipients %+v", r.Recipients)
	}
	if !strings.Contains(p.Body, "could not be delivered") || len(p.Attachments) != 0 {
		t.Errorf("body %q attachments %v", p.Body, p.Attachments)
	}
}

func TestParseMDN(t *testing.T) {
	p := parseFile(t, "mdn.eml")
	if p.Kind() != "mdn" || p.Report.OriginalMessageID != "orig42@sandbox.mssante.test" {
		t.Fatalf("kind %q report %+v", p.Kind(), p.Report)
	}
	m := p.Report.MDN
	if m == nil || m.Disposition != "displayed" || m.Mode != "manual-action/MDN-sent-manually" || m.FinalRecipient != "house@hopital.mssante.fr" {
		t.Errorf("MDN %+v", m)
	}
}

func TestParsePatient(t *testing.T) {
	p := parseFile(t, "patient.eml")
	if p.Kind() != "patient" || p.Patient == nil || p.Patient.INS != "279035121518989" || p.Patient.Source != "from" || p.Patient.Name != "Marie Dupont" {
		t.Fatalf("patient %+v", p.Patient)
	}
	if p.MDNRequest == nil || p.MDNRequest.MustAsk {
		t.Errorf("MDN request %+v (same as Return-Path: no need to ask)", p.MDNRequest)
	}
	if !p.Confidential {
		t.Errorf("Sensitivity: Private not seen")
	}
	if p.Preview() != "Bonjour, avez-vous du Doliprane 1000 ? Merci." {
		t.Errorf("preview %q", p.Preview())
	}
}

func hasDefect(p *Parsed, s string) bool {
	for _, d := range p.Defects {
		if strings.Contains(d, s) {
			return true
		}
	}
	return false
}

func TestParseUndeclared8Bit(t *testing.T) {
	p := parseFile(t, "undeclared-8bit.eml")
	if p.Subject != "Réponse à votre demande" || p.Body != "L'ordonnance est prête. Coût : 5 €" {
		t.Errorf("subject %q body %q", p.Subject, p.Body)
	}
}

func TestLenientDate(t *testing.T) {
	for in, want := range map[string]string{
		"Tue, 24 Nov 2026 09:00:00 CET": "2026-11-24 09:00:00",
		"Tue Nov 24 09:00:00 2026":      "2026-11-24 09:00:00",
		"2026-11-24T09:00:00+01:00":     "2026-11-24 09:00:00",
		"yesterday":                     "0001-01-01 00:00:00",
	} {
		if got := lenientDate(in).Format("2006-01-02 15:04:05"); got != want {
			t.Errorf("lenientDate(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestParseInlinePDFIsListed(t *testing.T) {
	p := parseFile(t, "apple-inline-pdf.eml")
	if len(p.Attachments) != 1 || p.Attachments[0].Inline || p.Attachments[0].Name != "ordonnance.pdf" || p.Attachments[0].Size != 9 {
		t.Fatalf("attachments %+v", p.Attachments)
	}
	r, err := p.Open(0)
	if err != nil {
		t.Fatal(err)
	}
	if data, _ := io.ReadAll(r); string(data) != "%PDF-1.4\n" {
		t.Errorf("content %q", data)
	}
}
