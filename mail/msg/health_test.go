package msg

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"mime"
	"mime/multipart"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"comptoir/mail/xdm"
)

var (
	pharmacist = xdm.Author{ID: "810100000049", Family: "MARTIN", Given: "Paul", Org: "Pharmacie du Centre", OrgID: "1750000016"}
	marie      = PatientInfo{INS: "279035121518989", Qualified: true, Family: "Dupont", Given: "Marie",
		BirthDate: time.Date(1979, 3, 12, 0, 0, 0, 0, time.UTC), Sex: "F", FileNumber: "D42"}
)

func docType(t *testing.T, code string) xdm.DocType {
	t.Helper()
	dt, ok := xdm.DocTypeByCode(code)
	if !ok {
		t.Fatalf("%s not a pharmacy document type", code)
	}
	return dt
}

// wireParts returns the attachments of a built message, decoded, by file name, in order.
func wireParts(t *testing.T, raw []byte) (names []string, data map[string][]byte) {
	t.Helper()
	m := stdParse(t, raw)
	_, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	mr := multipart.NewReader(m.Body, params["boundary"])
	data = map[string][]byte{}
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
		raw, _ := io.ReadAll(p)
		dec, _ := io.ReadAll(base64Reader(raw))
		names = append(names, p.FileName())
		data[p.FileName()] = dec
	}
	return names, data
}

// The composer's health documents, as they travel: CDA R2 level 1 in IHE_XDM.ZIP, PDF copies
// named per ECO.2.1.6, XDM/1.0/DDM+ subject, X-MSS-CODECDA from the CDAs, X-MSS-INS from the
// sender's own check. Then forwarded and answered.
func TestHealthDocumentsOnTheWire(t *testing.T) {
	d := Draft{From: pharmacie, To: []Address{medecin}, Text: "Bilan de médication de Mme Dupont."}
	act := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	err := d.AddHealthDocuments(marie, pharmacist, testNow,
		HealthDocument{Type: docType(t, "56445-0"), PDF: testPDF, Act: act},
		HealthDocument{Type: docType(t, "87273-9"), Title: "Vaccination grippe", PDF: testPDF, Act: act})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Build(d, opts)
	if err != nil {
		t.Fatal(err)
	}
	h := stdParse(t, b.Raw).Header
	if got := h.Get("X-MSS-CODECDA"); got != "56445-0, 87273-9" {
		t.Errorf("X-MSS-CODECDA = %q", got)
	}
	if got := h.Get("X-MSS-INS"); got != "O" {
		t.Errorf("X-MSS-INS = %q", got)
	}
	if got, want := decodeHeader(t, h.Get("Subject")), "XDM/1.0/DDM+Bilan médicamenteux (Officine) DUPONT Marie 12/03/1979"; got != want {
		t.Errorf("Subject = %q, want %q", got, want)
	}
	names, parts := wireParts(t, b.Raw)
	if got, want := strings.Join(names, "|"), "20261120_Bilan-médicamenteux-Officine_DUPONT_Marie_D42.pdf|20261120_Note-de-vaccination_DUPONT_Marie_D42.pdf|IHE_XDM.ZIP"; got != want {
		t.Errorf("attachments %s, want %s", got, want)
	}
	zipData := parts[XDMName]
	pkg, err := xdm.Read(bytes.NewReader(zipData), int64(len(zipData)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if pkg.Patient.ID != marie.INS || pkg.Patient.OID != xdm.OIDINSNIR || pkg.Patient.Kind() != xdm.IDINS || len(pkg.Documents) != 2 {
		t.Fatalf("package %+v", pkg.Patient)
	}
	for i, doc := range pkg.Documents {
		if doc.Kind != xdm.KindCDA || doc.CDA == nil || doc.CDA.Body != "nonXMLBody" || !doc.Intact() || !bytes.Equal(doc.PDF, testPDF) ||
			doc.Author.ID != pharmacist.ID || doc.Facility != xdm.FacilityPharmacie || !doc.ServiceStart.Equal(act) {
			t.Errorf("document %d: %+v", i, doc.CDA)
		}
	}
	if pkg.Documents[1].Title != "Vaccination grippe" || pkg.Documents[1].CDA.Code.Code != "87273-9" {
		t.Errorf("second document %q %+v", pkg.Documents[1].Title, pkg.Documents[1].CDA.Code)
	}

	// Not qualified in the patient book: X-MSS-INS: N and a warning.
	d.Patient.Qualified = false
	if b2, _ := Build(d, opts); stdParse(t, b2.Raw).Header.Get("X-MSS-INS") != "N" || !hasWarning(b2, WarnINSNotQualified) {
		t.Errorf("unqualified INS: %q %+v", stdParse(t, b2.Raw).Header.Get("X-MSS-INS"), b2.Warnings)
	}

	// Received, then forwarded: the documents and the patient travel, on the wire.
	p, err := Parse(b.Raw)
	if err != nil || p.XDM == nil || p.Patient == nil || p.Patient.INS != marie.INS || p.Patient.IDLabel() != "INS" {
		t.Fatalf("parse: %v %+v", err, p.Patient)
	}
	f := Forward(p)
	f.From, f.To = medecin, []Address{{Email: "confrere@sandbox.mssante.test"}}
	f.Patient.Qualified = true // the forwarder's patient book
	fb, err := Build(f, opts)
	if err != nil {
		t.Fatal(err)
	}
	fh := stdParse(t, fb.Raw).Header
	if fh.Get("X-MSS-CODECDA") != "56445-0, 87273-9" || fh.Get("X-MSS-INS") != "O" ||
		decodeHeader(t, fh.Get("Subject")) != "XDM/1.0/DDM+Tr : Bilan médicamenteux (Officine) DUPONT Marie 12/03/1979" {
		t.Errorf("forward: %q %q %q", fh.Get("X-MSS-CODECDA"), fh.Get("X-MSS-INS"), decodeHeader(t, fh.Get("Subject")))
	}
	fnames, fparts := wireParts(t, fb.Raw)
	if strings.Count(strings.Join(fnames, "|"), ".pdf") != 2 || !bytes.Equal(fparts[XDMName], zipData) {
		t.Errorf("forwarded attachments %v (archive unchanged: %v)", fnames, bytes.Equal(fparts[XDMName], zipData))
	}

	// Answered: the patient is kept, the documents are not sent back.
	r := Reply(p, false, medecin.Email)
	if r.Patient == nil || r.Patient.INS != marie.INS || r.Patient.Qualified || r.Documents != nil {
		t.Errorf("reply patient %+v documents %v", r.Patient, r.Documents != nil)
	}
	r.From = medecin
	rb, err := Build(r, opts)
	if err != nil {
		t.Fatal(err)
	}
	if rh := stdParse(t, rb.Raw).Header; rh.Get("X-MSS-CODECDA") != "" || rh.Get("X-MSS-INS") != "" ||
		decodeHeader(t, rh.Get("Subject")) != "Re: Bilan médicamenteux (Officine) DUPONT Marie 12/03/1979" {
		t.Errorf("reply headers %v", rh)
	}
}

func hasWarning(b *Built, k WarningKind) bool {
	for _, w := range b.Warnings {
		if w.Kind == k {
			return true
		}
	}
	return false
}

func TestAddHealthDocumentsRefusals(t *testing.T) {
	var d Draft
	bad := marie
	bad.INS = "279035121518988"
	if err := d.AddHealthDocuments(bad, pharmacist, testNow, HealthDocument{Type: docType(t, "56445-0"), PDF: testPDF}); !errors.Is(err, ErrInvalidINS) {
		t.Errorf("bad key: %v", err)
	}
	if err := d.AddHealthDocuments(marie, pharmacist, testNow, HealthDocument{Type: docType(t, "56445-0"), PDF: []byte("GIF89a")}); !errors.Is(err, ErrNotPDF) {
		t.Errorf("not a PDF: %v", err)
	}
	if err := d.AddHealthDocuments(marie, pharmacist, testNow); !errors.Is(err, ErrNoDocument) {
		t.Errorf("no document: %v", err)
	}
	if d.Documents != nil {
		t.Errorf("a refused call changed the draft")
	}
}

// ansArchive zips the ANS DRIM-M example kept in mail/xdm/testdata (see its README).
func ansArchive(t testing.TB) []byte {
	t.Helper()
	dir := filepath.Join("..", "xdm", "testdata", "ans", "drim-m")
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		w, err := zw.Create(path.Clean(filepath.ToSlash(rel)))
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	zw.Close()
	return b.Bytes()
}

// The ANS example archive received by mail (with its top-level folder): read, the KOS a
// document, the signature apart, the test INS labelled, no X-MSS-CODECDA when forwarded.
func TestParseANSArchive(t *testing.T) {
	b, err := Build(Draft{From: medecin, To: []Address{pharmacie}, Subject: "Imagerie",
		Attachments: []Attachment{{Name: XDMName, ContentType: "application/zip", Data: ansArchive(t)}}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if h := stdParse(t, b.Raw).Header; h.Get("X-MSS-CODECDA") != "" || h.Get("X-MSS-INS") != "" {
		t.Errorf("DICOM package sent with %q %q", h.Get("X-MSS-CODECDA"), h.Get("X-MSS-INS"))
	}
	p, err := Parse(b.Raw)
	if err != nil || p.XDM == nil {
		t.Fatalf("%v %v", err, p.XDMError)
	}
	if p.Patient == nil || p.Patient.INS != "162018885045327" || p.Patient.IDKind != xdm.IDINSTest || p.Patient.IDLabel() != "INS (test)" {
		t.Errorf("patient %+v", p.Patient)
	}
	if len(p.XDM.Documents) != 1 || p.XDM.Documents[0].Kind != xdm.KindDICOM || len(p.XDM.Signatures) != 1 || p.DocumentsError() != "" {
		t.Errorf("documents %d signatures %d", len(p.XDM.Documents), len(p.XDM.Signatures))
	}
}

// An archive that cannot be read stays an attachment that can be saved, with a French reason.
func TestParseUnreadableArchiveStaysVisible(t *testing.T) {
	broken := ansArchive(t)
	broken = broken[:len(broken)-40] // truncated: no central directory end
	b, err := Build(Draft{From: medecin, To: []Address{pharmacie}, Subject: "Imagerie", Text: "Ci-joint.",
		Attachments: []Attachment{{Name: XDMName, ContentType: "application/zip", Data: broken}}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !hasWarning(b, WarnUnreadableXDM) {
		t.Errorf("no warning for an unreadable archive: %+v", b.Warnings)
	}
	p, err := Parse(b.Raw)
	if err != nil {
		t.Fatal(err)
	}
	if p.XDM != nil || p.XDMError == nil || p.XDMIndex != 0 || len(p.Attachments) != 1 || p.Attachments[0].Name != XDMName {
		t.Fatalf("xdm %v err %v index %d attachments %+v", p.XDM != nil, p.XDMError, p.XDMIndex, p.Attachments)
	}
	if msg := p.DocumentsError(); !strings.Contains(msg, "n'est pas une archive valide") || !strings.Contains(msg, "enregistrer") {
		t.Errorf("DocumentsError %q", msg)
	}
	r, err := p.Open(p.XDMIndex)
	if err != nil {
		t.Fatal(err)
	}
	if saved, _ := io.ReadAll(r); !bytes.Equal(saved, broken) {
		t.Errorf("the saved archive differs from the one received")
	}
}

func TestSenderName(t *testing.T) {
	for _, c := range []struct {
		s    Sender
		want string
	}{
		{Sender{BALKind: "PER", Given: "Paul", Surname: "Martin", Profession: "Pharmacien", Entity: "Pharmacie de la Gare"}, "Dr_Paul_MARTIN_Pharmacie de la Gare"},
		{Sender{BALKind: "PER", Given: "Hélène", Surname: "Étienne", Profession: "Médecin", Entity: "Cabinet du Parc"}, "Dr_Hélène_ÉTIENNE_Cabinet du Parc"},
		{Sender{BALKind: "PER", Given: "Luc", Surname: "Petit", Profession: "Médecin", Civility: "PR", Entity: "CHU"}, "Pr_Luc_PETIT_CHU"},
		{Sender{BALKind: "PER", Given: "Julie", Surname: "Roux", Profession: "Préparateur en pharmacie", Entity: "Pharmacie du Centre"}, "Julie_ROUX_Pharmacie du Centre"},
		{Sender{BALKind: "PER", Given: "Anne", Surname: "Blanc", Profession: "Infirmier", Civility: "MME"}, "Anne_BLANC"},
		{Sender{BALKind: "ORG", Given: "Paul", Surname: "Martin", Profession: "Pharmacien", Entity: "Pharmacie du Centre"}, "Pharmacie du Centre"},
	} {
		if got := SenderName(c.s); got != c.want {
			t.Errorf("SenderName(%+v) = %q, want %q", c.s, got, c.want)
		}
	}
}
