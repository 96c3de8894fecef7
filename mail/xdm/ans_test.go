package xdm

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"testing"
)

// ansTree is the unpacked ANS DRIM-M example archive (see testdata/ans/README.md).
const ansTree = "testdata/ans/drim-m/KA202401"

// zipTree zips the files under dir, their names prefixed with prefix ("" or "KA202401/");
// replace substitutes the content of the files it names (slash paths relative to dir).
func zipTree(t testing.TB, dir, prefix string, replace map[string][]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		data, ok := replace[rel]
		if !ok {
			if data, err = os.ReadFile(p); err != nil {
				return err
			}
		}
		w, err := zw.Create(path.Join(prefix, rel))
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

func readBytes(t testing.TB, data []byte) (*Package, error) {
	t.Helper()
	return Read(bytes.NewReader(data), int64(len(data)), nil)
}

// The ANS layout: URIs relative to IHE_XDM/, an undeclared ns3 prefix, a top-level folder.
func TestReadANSLayout(t *testing.T) {
	for _, prefix := range []string{"", "KA202401/"} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			p, err := readBytes(t, zipTree(t, ansTree, prefix, nil))
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if p.Patient.ID != "162018885045327" || p.Patient.OID != OIDINSNIRTest || p.Patient.Family != "PAT-SIX" {
				t.Errorf("patient %+v", p.Patient)
			}
			checkANSPackage(t, p)
		})
	}
}

// checkANSPackage checks what the reader shows of the DRIM-M example.
func checkANSPackage(t *testing.T, p *Package) {
	t.Helper()
	if p.Patient.Kind() != IDINSTest || p.Patient.Label() != "INS (test)" || !p.Patient.KeyValid() {
		t.Errorf("patient %s: kind %v label %q", p.Patient.ID, p.Patient.Kind(), p.Patient.Label())
	}
	// One document, the KOS: imagery that cannot be displayed but can be saved, intact.
	if len(p.Documents) != 1 {
		t.Fatalf("%d documents, want the KOS only: %+v", len(p.Documents), p.Documents)
	}
	kos := p.Documents[0]
	if kos.Kind != KindDICOM || kos.Kind.Label() != "imagerie (non affichable)" || kos.FileName() != "KOS_1_1.DCM" ||
		kos.Title != "Reference d'Objets d'un Examen d'Imagerie" || kos.PDF != nil || len(kos.Data) != 5164 {
		t.Errorf("KOS %s %q %q %d bytes", kos.Kind, kos.FileName(), kos.Title, len(kos.Data))
	}
	if kos.SizeCheck != CheckOK || kos.HashCheck != CheckOK || !kos.Intact() || kos.Hash != "5a4009cca445f28810fd34dc8e3526cbe9814664" {
		t.Errorf("KOS checks: size %v hash %v (%s)", kos.SizeCheck, kos.HashCheck, kos.Hash)
	}
	// The XDS signature entry (titled "Source") is a signature, not a document. The published
	// SIGN_1.XML is 3 212 bytes where the metadata announces 6 102: reported, not hidden.
	if len(p.Signatures) != 1 {
		t.Fatalf("signatures %+v", p.Signatures)
	}
	sig := p.Signatures[0]
	if sig.Kind != KindSignature || sig.Kind.Label() != "signature électronique" || sig.FileName() != "SIGN_1.XML" {
		t.Errorf("signature %v %q", sig.Kind, sig.FileName())
	}
	if sig.SizeCheck != CheckMismatch || sig.HashCheck != CheckMismatch || sig.Intact() || sig.Problem() == "" ||
		sig.DeclaredSize != 6102 || sig.Size != 3212 {
		t.Errorf("signature checks: size %v (%d/%d) hash %v", sig.SizeCheck, sig.Size, sig.DeclaredSize, sig.HashCheck)
	}
	// No CDA travels in this package: nothing for X-MSS-CODECDA.
	if codes := p.CodesCDA(); len(codes) != 0 || p.HasCDA() {
		t.Errorf("CodesCDA = %v for a DICOM + signature package", codes)
	}
}

// The same example's METADATA.XML as DRIM-M_DRIMbox publishes it: the whole SOAP request.
func TestReadSOAPWrappedMetadata(t *testing.T) {
	soap, err := os.ReadFile("testdata/ans/drimbox/METADATA.XML")
	if err != nil {
		t.Fatal(err)
	}
	p, err := readBytes(t, zipTree(t, ansTree, "", map[string][]byte{"IHE_XDM/SS000001/METADATA.XML": soap}))
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if p.Patient.ID != "162018885045327" {
		t.Fatalf("package %+v", p)
	}
	checkANSPackage(t, p)
}

// A document whose content differs from its declared size and hash is flagged, not dropped.
func TestReadHashMismatch(t *testing.T) {
	kos, err := os.ReadFile(ansTree + "/IHE_XDM/SS000001/KOS_1_1.DCM")
	if err != nil {
		t.Fatal(err)
	}
	kos[200] ^= 1 // same size, other content
	p, err := readBytes(t, zipTree(t, ansTree, "", map[string][]byte{"IHE_XDM/SS000001/KOS_1_1.DCM": kos}))
	if err != nil {
		t.Fatal(err)
	}
	d := p.Documents[0]
	if d.SizeCheck != CheckOK || d.HashCheck != CheckMismatch || d.Intact() || d.HashCheck.Label() != "différente" {
		t.Errorf("size %v hash %v", d.SizeCheck, d.HashCheck)
	}
}

// The CI-SIS CDA R2 level 1 sample: its own code, the test INS beside a local IPP, the PDF.
func TestParseCDASample(t *testing.T) {
	data, err := os.ReadFile("testdata/ans/cda/IMG_CR_IMG_2023.11_CDA-R2-Niveau-1.xml")
	if err != nil {
		t.Fatal(err)
	}
	h, err := ParseCDA(data)
	if err != nil {
		t.Fatal(err)
	}
	if h.Code.Code != "18748-4" || h.Code.Scheme != "2.16.840.1.113883.6.1" || h.Body != "nonXMLBody" || h.MediaType != "application/pdf" ||
		h.Title != "CR d’imagerie médicale - Scanner Tête + Cou + Thorax avec injection" {
		t.Errorf("header %+v", h)
	}
	if len(h.Patients) != 2 || h.Patients[1].ID != "1234567890121" || h.Patients[1].Kind() != IDLocal || h.Patients[1].Label() != "identifiant local" {
		t.Fatalf("patients %+v", h.Patients)
	}
	pat := h.Patient()
	if pat.ID != "279035121518989" || pat.OID != OIDINSNIRTest || pat.Kind() != IDINSTest || pat.Family != "PAT-TROIS" ||
		pat.Given != "DOMINIQUE" || pat.Sex != "F" || pat.BirthDate.Format("2006-01-02") != "1979-03-28" {
		t.Errorf("patient %+v", pat)
	}
	pdf, err := ExtractPDF(data, 0)
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Errorf("embedded PDF: %v", err)
	}
	if _, err := ParseCDA([]byte("<SubmitObjectsRequest/>")); !errors.Is(err, ErrNotCDA) {
		t.Errorf("not a CDA: %v", err)
	}
}

func TestPatientKind(t *testing.T) {
	for _, c := range []struct {
		id, oid string
		kind    IDKind
		label   string
	}{
		{"279035121518989", OIDINSNIR, IDINS, "INS"},
		{"279035121518989", OIDINSNIRTest, IDINSTest, "INS (test)"},
		{"279035121518989", OIDINSNIRDemo, IDINSTest, "INS (démonstration)"},
		{"279035121518988", OIDINSNIR, IDLocal, "identifiant local"}, // wrong key
		{"IPP000123", "1.2.250.1.999.1.1.7898.2", IDLocal, "identifiant local"},
		{"IPP000123", OIDINSNIR, IDLocal, "identifiant local"},
		{"279035121518989", "1.2.250.1.999.1", IDLocal, "identifiant local"}, // a valid NIR under a private OID
		{"279035121518989", "", IDLocal, "identifiant local"},
		{"779035121518989", OIDINSNIA, IDLocal, "identifiant local"}, // key of the NIR, not of this NIA
		{"7790351215189" + fmt.Sprintf("%02d", 97-7790351215189%97), OIDINSNIA, IDINS, "INS (NIA)"},
	} {
		p := Patient{ID: c.id, OID: c.oid}
		if p.Kind() != c.kind || p.Label() != c.label || p.IsINS() != (c.kind != IDLocal) {
			t.Errorf("%s under %s: %v %q", c.id, c.oid, p.Kind(), p.Label())
		}
	}
}
