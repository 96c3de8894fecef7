package msg

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"
)

var (
	testNow   = time.Date(2026, 11, 25, 10, 4, 0, 0, time.UTC)
	pharmacie = Address{Name: "Pharmacie du Centre", Email: "pharmacie-centre-75001-paris@sandbox.mssante.test"}
	medecin   = Address{Name: "Dr Hélène Étienne", Email: "helene.etienne@sandbox.mssante.test"}
	trust     = NewTrustList("sandbox.mssante.test")
	opts      = BuildOptions{NIL: "Comptoir/1.0.0", Now: testNow, Trust: trust}
)

// stdParse decodes a built message with the standard library, a second parser.
func stdParse(t *testing.T, raw []byte) *mail.Message {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("net/mail cannot read the message: %v\n%s", err, raw)
	}
	return m
}

func decodeHeader(t *testing.T, v string) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(v)
	if err != nil {
		t.Fatalf("decode %q: %v", v, err)
	}
	return s
}

func TestBuildPlainText(t *testing.T) {
	d := Draft{From: pharmacie, To: []Address{medecin}, Subject: "Ordonnance à renouveler — été",
		Text: "Bonjour,\nL'ordonnance de Mme Ça est prête.\n" + strings.Repeat("long ", 40) + "\n"}
	b, err := Build(d, opts)
	if err != nil {
		t.Fatal(err)
	}
	m := stdParse(t, b.Raw)
	for k, want := range map[string]string{
		"X-MSS-NIL": "Comptoir/1.0.0", "MIME-Version": "1.0",
		"Content-Type": "text/plain; charset=utf-8", "Content-Transfer-Encoding": "quoted-printable",
		"Message-ID": "<" + b.MessageID + ">",
	} {
		if got := m.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	for _, k := range []string{"X-MSS-CODECDA", "X-MSS-INS", "X-MSS-MES", "Disposition-Notification-To", "In-Reply-To"} {
		if v := m.Header.Get(k); v != "" {
			t.Errorf("%s = %q, want absent", k, v)
		}
	}
	// Exact spelling of the MSSanté field on the wire.
	if !bytes.Contains(b.Raw, []byte("\r\nX-MSS-NIL: Comptoir/1.0.0\r\n")) {
		t.Errorf("X-MSS-NIL not spelled exactly")
	}
	if !strings.HasSuffix(b.MessageID, "@sandbox.mssante.test") {
		t.Errorf("Message-ID %q not at the sender's domain", b.MessageID)
	}
	if got := decodeHeader(t, m.Header.Get("Subject")); got != d.Subject {
		t.Errorf("Subject = %q", got)
	}
	if raw := m.Header.Get("Subject"); !strings.Contains(raw, "=?utf-8?q?") {
		t.Errorf("Subject not RFC 2047 encoded: %q", raw)
	}
	date, err := m.Header.Date()
	if err != nil || !date.Equal(testNow) {
		t.Errorf("Date = %v, %v", date, err)
	}
	from, err := m.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != pharmacie.Name || from[0].Address != pharmacie.Email {
		t.Errorf("From = %v, %v", from, err)
	}
	to, err := m.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Name != medecin.Name {
		t.Errorf("To = %v, %v", to, err)
	}
	body, _ := io.ReadAll(quotedprintable.NewReader(m.Body))
	if want := strings.ReplaceAll(d.Text, "\n", "\r\n"); string(body) != want {
		t.Errorf("body = %q, want %q", body, want)
	}
	for _, l := range bytes.Split(b.Raw, []byte("\r\n")) {
		if len(l) > 998 {
			t.Errorf("line of %d bytes", len(l))
		}
	}
	if len(b.Warnings) != 0 || b.DSN != nil {
		t.Errorf("warnings %v, DSN %v", b.Warnings, b.DSN)
	}
	if len(b.Recipients) != 1 || b.Recipients[0] != medecin.Email || b.From != pharmacie.Email {
		t.Errorf("envelope %q -> %v", b.From, b.Recipients)
	}
}

func TestBuildAttachmentRFC2231(t *testing.T) {
	pdf := []byte("%PDF-1.4\n" + strings.Repeat("x", 1000))
	d := Draft{From: pharmacie, To: []Address{medecin}, Cc: []Address{{Email: "autre@sandbox.mssante.test"}},
		Subject: "Résultats", Text: "Voir pièce jointe.",
		Attachments: []Attachment{{Name: "ordonnance été n°2.pdf", ContentType: "application/pdf", Data: pdf}},
		InReplyTo:   "<orig@example.org>", References: []string{"root@example.org", "orig@example.org"},
		RequestDSN: true, RequestMDN: true}
	b, err := Build(d, opts)
	if err != nil {
		t.Fatal(err)
	}
	m := stdParse(t, b.Raw)
	if got := m.Header.Get("In-Reply-To"); got != "<orig@example.org>" {
		t.Errorf("In-Reply-To = %q", got)
	}
	if got := strings.Join(strings.Fields(m.Header.Get("References")), " "); got != "<root@example.org> <orig@example.org>" {
		t.Errorf("References = %q", got)
	}
	if got := m.Header.Get("Disposition-Notification-To"); got != "<"+pharmacie.Email+">" {
		t.Errorf("Disposition-Notification-To = %q", got)
	}
	if b.DSN == nil || strings.Join(b.DSN.Notify, ",") != "SUCCESS,FAILURE,DELAY" || b.DSN.Return != "HDRS" || b.DSN.EnvelopeID != b.MessageID {
		t.Errorf("DSN = %+v", b.DSN)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("Content-Type %q: %v", mt, err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	text, err := mr.NextPart()
	if err != nil || text.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("text part: %v %v", err, text.Header)
	}
	att, err := mr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	if got := att.FileName(); got != "ordonnance été n°2.pdf" {
		t.Errorf("filename = %q", got)
	}
	if cd := att.Header.Get("Content-Disposition"); !strings.Contains(cd, "filename*=utf-8''ordonnance%20%C3%A9t%C3%A9") {
		t.Errorf("Content-Disposition not RFC 2231: %q", cd)
	}
	data, _ := io.ReadAll(att) // multipart.Part does not decode base64: do it
	dec, err := io.ReadAll(base64Reader(data))
	if err != nil || !bytes.Equal(dec, pdf) {
		t.Errorf("attachment content differs: %v", err)
	}
	if _, err := mr.NextPart(); err != io.EOF {
		t.Errorf("extra part: %v", err)
	}
	if len(b.Recipients) != 2 {
		t.Errorf("recipients %v", b.Recipients)
	}
}

func TestBuildLongNonASCIIName(t *testing.T) {
	name := strings.Repeat("compte rendu d'hospitalisation été ", 8) + "€.pdf"
	b, err := Build(Draft{From: pharmacie, To: []Address{medecin}, Attachments: []Attachment{{Name: name, ContentType: "application/pdf", Data: []byte("x")}}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range bytes.Split(b.Raw, []byte("\r\n")) {
		if len(l) > 78 {
			t.Errorf("line of %d characters: %s", len(l), l)
		}
	}
	if !bytes.Contains(b.Raw, []byte("filename*1*=")) {
		t.Errorf("no RFC 2231 continuation")
	}
	m := stdParse(t, b.Raw)
	_, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	mr := multipart.NewReader(m.Body, params["boundary"])
	mr.NextPart()
	att, err := mr.NextPart()
	if err != nil || att.FileName() != name {
		t.Fatalf("filename %q, %v", att.FileName(), err)
	}
	p, err := Parse(b.Raw)
	if err != nil || p.Attachments[0].Name != name {
		t.Fatalf("our parser: %v %+v", err, p.Attachments)
	}
}

func TestBuildRefusals(t *testing.T) {
	patient1 := Address{Email: "279035121518989@" + PatientDomain}
	patient2 := Address{Email: "180127512345642@" + PatientDomain}
	cases := []struct {
		name string
		d    Draft
		o    BuildOptions
		want error
	}{
		{"no recipient", Draft{From: pharmacie}, opts, ErrNoRecipient},
		{"only bcc", Draft{From: pharmacie, Bcc: []Address{medecin}}, opts, ErrNoRecipient},
		{"no sender", Draft{To: []Address{medecin}}, opts, ErrNoSender},
		{"bad address", Draft{From: pharmacie, To: []Address{{Email: "pas une adresse"}}}, opts, ErrBadAddress},
		{"header injection", Draft{From: pharmacie, To: []Address{{Email: "a@b.fr\r\nBcc: x@y.fr"}}}, opts, ErrBadAddress},
		{"several patients with documents", Draft{From: pharmacie, To: []Address{patient1, patient2}, Documents: testPackage(t, "279035121518989")}, opts, ErrSeveralPatients},
		{"other patient's documents", Draft{From: pharmacie, To: []Address{patient2}, Documents: testPackage(t, "279035121518989")}, opts, ErrPatientMismatch},
		{"too large for a patient", Draft{From: pharmacie, To: []Address{patient1},
			Attachments: []Attachment{{Name: "scan.pdf", Data: make([]byte, 2000)}}}, BuildOptions{PatientLimit: 2000}, ErrTooLargeForPatient},
		{"bad attachment name", Draft{From: pharmacie, To: []Address{medecin}, Attachments: []Attachment{{Name: ""}}}, opts, ErrBadAttachment},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Build(c.d, c.o)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if UserMessage(err) == UserMessage(errors.New("x")) {
				t.Errorf("no specific French message for %v", err)
			}
		})
	}
	// The same large message to a professional is fine.
	if _, err := Build(Draft{From: pharmacie, To: []Address{medecin}, Attachments: []Attachment{{Name: "scan.pdf", Data: make([]byte, 2000)}}},
		BuildOptions{PatientLimit: 2000, Trust: trust}); err != nil {
		t.Fatal(err)
	}
}

func TestBuildWarnings(t *testing.T) {
	d := Draft{From: pharmacie, To: []Address{medecin, {Email: "someone@gmail.com"}}, Cc: []Address{{Email: "279035121518989@" + PatientDomain}}}
	b, err := Build(d, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Warnings) != 1 || b.Warnings[0].Kind != WarnOutsideTrust || strings.Join(b.Warnings[0].Addresses, ",") != "someone@gmail.com" {
		t.Fatalf("warnings = %+v", b.Warnings)
	}
	if !strings.Contains(b.Warnings[0].Message, "hors de l'espace de confiance") {
		t.Errorf("message %q", b.Warnings[0].Message)
	}
	b, err = Build(d, BuildOptions{})
	if err != nil || len(b.Warnings) != 1 || b.Warnings[0].Kind != WarnNoTrustList {
		t.Fatalf("without a list: %+v, %v", b.Warnings, err)
	}
}

func TestBuildPatientsSeeEachOther(t *testing.T) {
	p1, p2 := Address{Email: "279035121518989@" + PatientDomain}, Address{Email: "180127512345642@" + PatientDomain}
	b, err := Build(Draft{From: pharmacie, To: []Address{p1, p2}, Subject: "Fermeture"}, opts)
	if err != nil || len(b.Warnings) != 1 || b.Warnings[0].Kind != WarnPatientsSeeEachOther {
		t.Fatalf("%+v %v", b, err)
	}
	b, err = Build(Draft{From: pharmacie, To: []Address{pharmacie}, Bcc: []Address{p1, p2}, Subject: "Fermeture"}, opts)
	if err != nil || len(b.Warnings) != 0 || len(b.Recipients) != 3 || bytes.Contains(b.Raw, []byte(p1.Email)) {
		t.Fatalf("bcc: %+v %v", b.Warnings, err)
	}
	if got := stdParse(t, b.Raw).Header.Get("X-MSS-NIL"); got != "Comptoir/1.0.0" {
		t.Errorf("X-MSS-NIL %q", got)
	}
	b, _ = Build(Draft{From: pharmacie, To: []Address{medecin}}, BuildOptions{Trust: trust})
	if got := stdParse(t, b.Raw).Header.Get("X-MSS-NIL"); got != DefaultNIL {
		t.Errorf("default X-MSS-NIL %q", got)
	}
}

func TestBuildInvalidINSWarning(t *testing.T) {
	bad := "279035121518988@" + PatientDomain // wrong key
	b, err := Build(Draft{From: pharmacie, To: []Address{{Email: bad}}}, opts)
	if err != nil || len(b.Warnings) != 1 || b.Warnings[0].Kind != WarnInvalidINS || b.Warnings[0].Addresses[0] != bad {
		t.Fatalf("%+v %v", b, err)
	}
}

func TestBuildNoReplyToPatient(t *testing.T) {
	pat := Address{Email: "279035121518989@" + PatientDomain}
	b, err := Build(Draft{From: pharmacie, To: []Address{pat}, Subject: "Votre commande", NoReplyExpected: true}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := stdParse(t, b.Raw).Header.Get("X-MSS-MES"); got != "FIN" {
		t.Errorf("X-MSS-MES = %q", got)
	}
	b, err = Build(Draft{From: pharmacie, To: []Address{medecin}, NoReplyExpected: true}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := stdParse(t, b.Raw).Header.Get("X-MSS-MES"); got != "" {
		t.Errorf("X-MSS-MES to a professional = %q", got)
	}
}

func TestFromDisplayName(t *testing.T) {
	if got := FromDisplayName("PER", "Dr", "Hélène", "Étienne", "Pharmacie du Centre"); got != "Dr_Hélène_ÉTIENNE_Pharmacie du Centre" {
		t.Errorf("PER = %q", got)
	}
	if got := FromDisplayName("ORG", "Dr", "Hélène", "Étienne", "Pharmacie du Centre"); got != "Pharmacie du Centre" {
		t.Errorf("ORG = %q", got)
	}
	if got := FromDisplayName("PER", "", "Paul", "Martin", ""); got != "Paul_MARTIN" {
		t.Errorf("PER without title = %q", got)
	}
}

func TestFoldList(t *testing.T) {
	if got := foldList("X-MSS-CODECDA", []string{"11488-4", "57833-6"}, ", "); got != "11488-4, 57833-6" {
		t.Errorf("short list folded: %q", got)
	}
	ids := bracket([]string{strings.Repeat("a", 40) + "@x.fr", strings.Repeat("b", 40) + "@x.fr", "c@x.fr"})
	got := foldList("References", ids, " ")
	if got != ids[0]+"\r\n "+ids[1]+" "+ids[2] {
		t.Errorf("folded %q", got)
	}
}
