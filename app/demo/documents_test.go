package demo_test

import (
	"archive/zip"
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"comptoir/app"
	"comptoir/app/apptest"
	"comptoir/app/session"
	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cps/cpstest"
	"comptoir/mail"
	"comptoir/mail/msg"
	"comptoir/mail/xdm"
	"comptoir/mail/xdm/xdmtest"
)

// ansData is the ANS's public samples kept by mail/xdm (see its testdata/ans/README.md).
const ansData = "../../mail/xdm/testdata/ans"

// ansPDF is the PDF embedded in the ANS's CDA R2 level 1 example.
func ansPDF(t *testing.T) []byte {
	t.Helper()
	cda, err := os.ReadFile(filepath.Join(ansData, "cda", "IMG_CR_IMG_2023.11_CDA-R2-Niveau-1.xml"))
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := xdm.ExtractPDF(cda, 16<<20)
	if err != nil {
		t.Fatal(err)
	}
	return pdf
}

// zipTree zips dir's files under prefix, as the ANS publishes its XDM archives.
func zipTree(t *testing.T, dir, prefix string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		w, err := zw.Create(prefix + filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	})
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rezip returns archive with change applied to each file's content.
func rezip(t *testing.T, archive []byte, change func(name string, data []byte) []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		var data bytes.Buffer
		_, err = data.ReadFrom(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(change(f.Name, data.Bytes())); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// doctorConfig is a session on the sandbox for another sender than the UI's card.
func doctorConfig(t *testing.T) session.Config {
	return session.Config{
		Servers: mail.Operator{IMAPAddr: env.Sandbox.IMAPAddr(), SMTPAddr: env.Sandbox.SMTPAddr(), ServerName: env.Sandbox.ServerName(),
			RootCAs: env.PKI.RootPool(), CRLs: env.PKI.CRLs(), Domain: env.Sandbox.Domain()},
		APIURL: env.Sandbox.APIURL(), CacheDir: t.TempDir(), ProductRef: "AutreLogiciel/2.1",
	}
}

// doctorSends sends the drafts from the doctor's personal BAL with the doctor's card, as
// another MSSanté client would, and waits until the sandbox accepted them.
func doctorSends(t *testing.T, drafts ...msg.Draft) {
	t.Helper()
	card, err := env.Cards.Login(t.Context(), env.Module, cpstest.Medecin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := session.Open(t.Context(), session.CardCredential{Card: card}, doctorConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	doctor := sandbox.Seed(sandbox.DefaultDomain).Doctor
	for _, d := range drafts {
		d.From = msg.Address{Email: doctor}
		if _, err := s.Send(t.Context(), d); err != nil {
			t.Fatalf("the doctor's %q: %v", d.Subject, err)
		}
	}
	if err := s.FlushOnce(t.Context(), doctor); err != nil {
		t.Fatal(err)
	}
}

func xdmAttachment(data []byte) []msg.Attachment {
	return []msg.Attachment{{Name: "IHE_XDM.ZIP", ContentType: "application/zip", Data: data}}
}

// The reader shows every real ANS archive: a DICOM KOS as imaging to save, the XDS signature
// as a signature (never a document titled "Source"), the identifier as what it is, a document
// that does not match its metadata with the problem, and an archive that cannot be read as a
// file to save with the reason.
func TestReaderShowsEveryANSArchive(t *testing.T) {
	drimm := zipTree(t, filepath.Join(ansData, "drim-m", "KA202401"), "KA202401/")

	// A hospital's report under its own identifier (a local IPP), one byte changed in transit.
	pat := xdm.Patient{ID: "IPP000123", OID: "1.2.250.1.999.1.1", Family: "MARCHAND", Given: "Lucie",
		BirthDate: time.Date(1990, 5, 3, 0, 0, 0, 0, time.UTC), Sex: "F"}
	vacc, _ := xdm.DocTypeByCode("87273-9")
	now := time.Now()
	doc, err := xdm.NewPDFDocument(xdm.CDAInfo{Type: vacc.Type, Title: "Vaccination grippe", Created: now, ServiceStart: now,
		Author: xdm.Author{ID: cpstest.Medecin.NationalID, Family: "FAUVEL", Given: "Antoine"}}, vacc.Class, pat, ansPDF(t))
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := xdm.NewPackage(pat, "1.2.250.1.999.1", "Vaccination", now, doc)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := pkg.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	local := rezip(t, raw, func(name string, data []byte) []byte {
		if strings.HasSuffix(strings.ToUpper(name), "DOC0001.XML") {
			return append(data, "<!-- modifié -->"...)
		}
		return data
	})
	// The same report whose file fails its checksum: the patient stays, the document is
	// marked unreadable, the archive offered to save.
	damaged, err := xdmtest.FlipCRC(raw, func(name string) bool { return strings.HasSuffix(name, "DOC0001.XML") })
	if err != nil {
		t.Fatal(err)
	}
	// No METADATA.XML at all.
	unreadable := rezip(t, drimm, func(name string, data []byte) []byte {
		if strings.HasSuffix(name, "METADATA.XML") {
			return []byte("<pas-des-metadonnees/>")
		}
		return data
	})
	doctorSends(t,
		msg.Draft{To: []msg.Address{{Email: pharmacy}}, Subject: "Imagerie DRIM-M", Text: "Résultats d'imagerie.", Attachments: xdmAttachment(drimm)},
		msg.Draft{To: []msg.Address{{Email: pharmacy}}, Subject: "Vaccination IPP", Text: "Vaccination faite.", Attachments: xdmAttachment(local)},
		msg.Draft{To: []msg.Address{{Email: pharmacy}}, Subject: "Archive abimee", Text: "Voir l'archive.", Attachments: xdmAttachment(unreadable)},
		msg.Draft{To: []msg.Address{{Email: pharmacy}}, Subject: "Document abime", Text: "Vaccination.", Attachments: xdmAttachment(damaged)})

	h := openBAL(t, cpstest.Titulaire.Label, pharmacy)
	r := h.UI.Main.Reader

	openRow(t, h, "Imagerie DRIM-M")
	h.WaitFor("the DRIM-M documents", func() bool { return len(r.Documents) > 0 })
	h.WaitText("INS (test) 162018885045327")
	if len(r.Documents) != 1 || !strings.Contains(r.Documents[0].Name.Text, "imagerie (non affichable)") {
		t.Fatalf("the DRIM-M documents: %q", partNames(r.Documents))
	}
	if kos := r.Documents[0]; kos.Save.Disabled() || kos.Open.Visible() && !kos.Open.Disabled() {
		t.Fatal("the DICOM KOS is not offered to save only")
	}
	h.WaitText("Signature électronique du lot (non vérifiée par Comptoir)")
	for _, row := range r.Documents {
		if strings.Contains(row.Name.Text, "Source") {
			t.Fatalf("the XDS signature is listed as a document: %q", row.Name.Text)
		}
	}
	// The published SIGN_1.XML does not match its declared size and hash.
	h.WaitText("ne correspond pas à la taille ou à l'empreinte annoncées")

	openRow(t, h, "Vaccination IPP")
	h.WaitText("identifiant local IPP000123")
	if h.Shows("INS IPP000123") {
		t.Fatal("a hospital's local identifier is shown as an INS")
	}
	h.WaitText("ne correspond pas à la taille ou à l'empreinte annoncées")

	openRow(t, h, "Archive abimee")
	h.WaitText("vous pouvez l'enregistrer")
	waitArchiveToSave(t, h)
	if !apptest.Contains(h.Visible(), "Voir l'archive.") {
		t.Fatal("the message's text is not shown")
	}

	openRow(t, h, "Document abime")
	h.WaitText("identifiant local IPP000123")
	h.WaitText("endommagé dans l'archive et ne peut pas être lu")
	h.WaitFor("the damaged document's row", func() bool { return len(r.Documents) == 1 })
	if d := r.Documents[0]; !strings.Contains(d.Name.Text, "(illisible)") || d.Save.Visible() || d.Open.Visible() || d.PreviewButton.Visible() {
		t.Fatalf("the damaged document: %q, save %v, open %v, preview %v", d.Name.Text, d.Save.Visible(), d.Open.Visible(), d.PreviewButton.Visible())
	}
	waitArchiveToSave(t, h)
}

// waitArchiveToSave waits for the reader to offer the message's IHE_XDM.ZIP to save.
func waitArchiveToSave(t *testing.T, h *apptest.Harness) {
	t.Helper()
	h.WaitFor("the archive as an attachment to save", func() bool {
		for _, row := range h.UI.Main.Reader.Attachments {
			if strings.Contains(row.Name.Text, "IHE_XDM.ZIP") && !row.Save.Disabled() {
				return true
			}
		}
		return false
	})
}

func partNames(rows []*app.PartRow) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Name.Text)
	}
	return out
}
