package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"comptoir/mail/msg"
	"comptoir/mail/xdm/xdmtest"
)

// ansDir holds the ANS samples (sources in its README.md).
var ansDir = filepath.Join("..", "..", "mail", "xdm", "testdata", "ans")

// ansXDM zips the ANS DRIM-M example tree as it is published, with its top-level folder.
func ansXDM(t *testing.T) []byte {
	t.Helper()
	root := filepath.Join(ansDir, "drim-m")
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
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
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// An archive whose KOS fails its checksum: the patient and the signature are still
// reported, the KOS as damaged, and the exit status says there is a problem.
func TestDocumentDamagedEntry(t *testing.T) {
	damaged, err := xdmtest.FlipCRC(ansXDM(t), func(name string) bool { return strings.HasSuffix(name, "KOS_1_1.DCM") })
	if err != nil {
		t.Fatal(err)
	}
	file := writeTemp(t, "IHE_XDM.ZIP", damaged)
	out, _, code := runCLI(t, "document", file)
	if code != 1 {
		t.Errorf("exit %d", code)
	}
	wantOutput(t, out,
		"Patient : 162018885045327 — INS (test), clé valide",
		"Illisible : le fichier est endommagé dans l'archive",
		"Le document « KOS_1_1.DCM » est endommagé dans l'archive et ne peut pas être lu.",
		"Signatures du lot (1, non vérifiées par Comptoir) :",
	)
	out, _, _ = runCLI(t, "document", "--json", file)
	var rep docReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Documents) != 1 || !strings.Contains(rep.Documents[0].Damage, "checksum") || rep.Documents[0].SHA1 != "" {
		t.Errorf("JSON documents %+v", rep.Documents)
	}
}

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// emlWith builds a message from a doctor carrying the attachments.
func emlWith(t *testing.T, as ...msg.Attachment) []byte {
	t.Helper()
	b, err := msg.Build(msg.Draft{From: msg.Address{Email: "dr.kit@hopital.mssante.fr"}, To: []msg.Address{{Email: "pharmacie@pharmacie.mssante.fr"}},
		Subject: "Examen d'imagerie", Text: "Ci-joint.", Attachments: as}, msg.BuildOptions{Now: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	return b.Raw
}

// The ANS archive: the test INS, the KOS as non-displayable imagery with its checks, the
// signature apart; the published signature file does not match its metadata: an error.
func TestDocumentANSArchive(t *testing.T) {
	file := writeTemp(t, "IHE_XDM.ZIP", ansXDM(t))
	out, errOut, code := runCLI(t, "document", file)
	if code != 1 || !strings.Contains(errOut, "1 problème(s) trouvé(s)") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	wantOutput(t, out,
		"Fichier : IHE_XDM.ZIP (archive IHE XDM)",
		"Patient : 162018885045327 — INS (test), clé valide",
		"Autorité (OID) : 1.2.250.1.213.1.4.10",
		"Identité : PAT-SIX Alain, né(e) le 24/01/1996, sexe M",
		"1. Reference d'Objets d'un Examen d'Imagerie",
		"Type (métadonnées) : IMG-KOS (1.2.250.1.213.1.1.4.12)",
		"Nature : imagerie (non affichable) — application/dicom — KOS_1_1.DCM",
		"Taille : 5\u202f164 octets (conforme) — Empreinte SHA-1 : conforme",
		"Signatures du lot (1, non vérifiées par Comptoir) :",
		"Taille : 3\u202f212 octets (différente : 6\u202f102 annoncés) — Empreinte SHA-1 : différente",
		"La signature « SIGN_1.XML » ne correspond pas à la taille ou à l'empreinte annoncées",
	)
	if strings.Contains(out, "1. Source") {
		t.Errorf("the signature is listed as a document titled Source:\n%s", out)
	}

	out, _, code = runCLI(t, "document", "--json", file)
	var rep docReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 1 {
		t.Fatalf("JSON (exit %d): %v\n%s", code, err, out)
	}
	p := rep.Patient
	if rep.Format != "xdm" || p == nil || p.ID != "162018885045327" || p.OID != "1.2.250.1.213.1.4.10" || !p.INS || !p.KeyValid || p.Kind != "ins-test" {
		t.Errorf("JSON patient %+v", p)
	}
	if len(rep.Documents) != 1 || rep.Documents[0].Kind != "dicom" || rep.Documents[0].HashCheck != "ok" || rep.Documents[0].SHA1 != "5a4009cca445f28810fd34dc8e3526cbe9814664" ||
		rep.Documents[0].Type == nil || rep.Documents[0].Type.Code != "IMG-KOS" || rep.Documents[0].MimeType != "application/dicom" {
		t.Errorf("JSON documents %+v", rep.Documents)
	}
	if len(rep.Signatures) != 1 || rep.Signatures[0].SizeCheck != "mismatch" || len(rep.Errors) != 1 || rep.Errors[0].Message == "" {
		t.Errorf("JSON signatures %+v errors %+v", rep.Signatures, rep.Errors)
	}
}

// The CI-SIS CDA sample: its own code, the test INS and the local IPP, the embedded PDF.
func TestDocumentCDA(t *testing.T) {
	file := filepath.Join(ansDir, "cda", "IMG_CR_IMG_2023.11_CDA-R2-Niveau-1.xml")
	out, errOut, code := runCLI(t, "document", file)
	if code != 0 {
		t.Errorf("exit %d: %s", code, errOut)
	}
	wantOutput(t, out,
		"(document CDA)",
		"Patient : 279035121518989 — INS (test), clé valide",
		"Autre identifiant : 1234567890121 (1.2.3.4.567.8.9.10) — identifiant local",
		"Code du CDA : 18748-4 (2.16.840.1.113883.6.1)",
		"— PDF de 61\u202f736 octets",
	)
	out, _, _ = runCLI(t, "document", "--json", file)
	var rep docReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.OtherIDs) != 1 || rep.OtherIDs[0].INS || rep.OtherIDs[0].Label != "identifiant local" ||
		len(rep.Documents) != 1 || rep.Documents[0].CDACode == nil || rep.Documents[0].CDACode.Code != "18748-4" || rep.Documents[0].PDFSize != 61736 {
		t.Errorf("JSON %+v", rep)
	}
}

// A message carrying the ANS archive, and one whose archive is damaged.
func TestDocumentMessage(t *testing.T) {
	file := writeTemp(t, "message.eml", emlWith(t, msg.Attachment{Name: msg.XDMName, ContentType: "application/zip", Data: ansXDM(t)}))
	out, _, _ := runCLI(t, "document", file)
	wantOutput(t, out, "(message)", "Message : « Examen d'imagerie PAT-SIX Alain 24/01/1996 », de dr.kit@hopital.mssante.fr",
		"Patient : 162018885045327 — INS (test)", "imagerie (non affichable)")

	damaged := ansXDM(t)
	file = writeTemp(t, "abime.eml", emlWith(t, msg.Attachment{Name: msg.XDMName, ContentType: "application/zip", Data: damaged[:len(damaged)/2]}))
	out, _, code := runCLI(t, "document", file)
	if code != 1 || !strings.Contains(out, "La pièce jointe IHE_XDM.ZIP n'est pas une archive valide.") || !strings.Contains(out, "vous pouvez l'enregistrer") {
		t.Errorf("damaged archive (exit %d):\n%s", code, out)
	}
}

func TestDocumentErrors(t *testing.T) {
	if _, _, code := runCLI(t, "document"); code != 2 {
		t.Errorf("no file: exit %d", code)
	}
	_, errOut, code := runCLI(t, "document", filepath.Join(t.TempDir(), "absent.eml"))
	if code != 1 || !strings.Contains(errOut, "lecture de") {
		t.Errorf("missing file: exit %d %q", code, errOut)
	}
	out, _, code := runCLI(t, "document", writeTemp(t, "x.xml", []byte("<html><body>pas un CDA</body></html>")))
	if code != 1 || !strings.Contains(out, "Ce fichier n'est pas un document CDA.") {
		t.Errorf("not a CDA: exit %d\n%s", code, out)
	}
}
