package xdm

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"io/fs"
	"strings"
	"testing"
	"time"

	"comptoir/mail/xdm/xdmtest"
)

var (
	now     = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	pdf     = []byte("%PDF-1.4\n% test\n%%EOF\n")
	patient = Patient{ID: "279035121518989", OID: OIDINSNIR, Family: "Dupont", Given: "Marie",
		BirthDate: time.Date(1979, 3, 12, 0, 0, 0, 0, time.UTC), Sex: "F"}
	typeCR = Code{Code: "11488-4", Scheme: "2.16.840.1.113883.6.1", Display: "Compte rendu de consultation"}
)

func samplePackage(t testing.TB) *Package {
	t.Helper()
	cda, err := NewCDA(CDAInfo{ID: "1.2.250.1.999.1.1", Type: typeCR, Title: "CR & <suivi>", Created: now, ServiceStart: now,
		Author: Author{ID: "810000000001", IDRoot: "1.2.250.1.71.4.2.1", Family: "Martin", Given: "Paul", Org: "Pharmacie"}}, patient, pdf)
	if err != nil {
		t.Fatal(err)
	}
	return &Package{Patient: patient, Title: "Envoi", SubmissionTime: now, UniqueID: "1.2.250.1.999.2.1", SourceID: "1.2.250.1.999",
		ContentType: Code{Code: "04", Scheme: "1.2.250.1.213.1.1.4.12", Display: "Hospitalisation"},
		Documents: []Document{
			{Title: "CR & <suivi>", Type: typeCR, Class: Code{Code: "11", Scheme: "1.2.250.1.213.1.1.4.1", Display: "Compte rendu"},
				Format: Code{Code: "urn:ihe:iti:xds-sd:pdf:2008", Scheme: "1.3.6.1.4.1.19376.1.2.3"}, MimeType: "text/xml",
				CreationTime: now, ServiceStart: now.Add(-time.Hour), UniqueID: "1.2.250.1.999.1.1", Data: cda},
			{Title: "Deuxième", Type: Code{Code: "57833-6", Scheme: "2.16.840.1.113883.6.1", Display: "Prescription"},
				MimeType: "text/xml", CreationTime: now, UniqueID: "1.2.250.1.999.1.2", Data: cda},
		}}
}

func TestWriteRead(t *testing.T) {
	data, err := samplePackage(t).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, " "); got != "INDEX.HTM README.TXT IHE_XDM/SUBSET01/METADATA.XML IHE_XDM/SUBSET01/DOC0001.XML IHE_XDM/SUBSET01/DOC0002.XML" {
		t.Errorf("files: %s", got)
	}
	p, err := Read(bytes.NewReader(data), int64(len(data)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Patient != patient {
		t.Errorf("patient %+v", p.Patient)
	}
	if p.Patient.CX() != "279035121518989^^^&1.2.250.1.213.1.4.8&ISO" || !p.Patient.IsINS() {
		t.Errorf("CX %q", p.Patient.CX())
	}
	if len(p.Documents) != 2 {
		t.Fatalf("%d documents", len(p.Documents))
	}
	d := p.Documents[0]
	if d.Title != "CR & <suivi>" || d.Type != typeCR || d.Class.Display != "Compte rendu" || d.MimeType != "text/xml" ||
		!d.CreationTime.Equal(now) || !d.ServiceStart.Equal(now.Add(-time.Hour)) || d.URI != "DOC0001.XML" ||
		d.UniqueID != "1.2.250.1.999.1.1" || len(d.Hash) != 40 || d.Size != int64(len(d.Data)) {
		t.Errorf("document %+v", d)
	}
	if !bytes.Equal(d.PDF, pdf) {
		t.Errorf("embedded PDF not extracted")
	}
	if p.Title != "Envoi" || p.UniqueID != "1.2.250.1.999.2.1" || p.SourceID != "1.2.250.1.999" || !p.SubmissionTime.Equal(now) || p.ContentType.Code != "04" {
		t.Errorf("submission set %+v", p)
	}
	// Both entries carry the same CDA, whose own code is 11488-4: the second entry's XDS
	// typeCode (57833-6) is not what X-MSS-CODECDA reports.
	if got := strings.Join(p.CodesCDA(), ","); got != "11488-4" {
		t.Errorf("codes %s", got)
	}
}

// zipOf builds an archive with the given entries (name -> content); a nil content makes a
// symlink.
func zipOf(t *testing.T, entries ...zipEntry) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		if e.symlink {
			h.SetMode(fs.ModeSymlink | 0o777)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

type zipEntry struct {
	name    string
	data    []byte
	symlink bool
}

func metadataFor(t *testing.T, uri string) []byte {
	p := samplePackage(t)
	p.Documents = p.Documents[:1]
	p.Documents[0].URI = uri
	return MarshalMetadata(p)
}

func TestReadHostile(t *testing.T) {
	valid := metadataFor(t, "DOC0001.XML")
	big := bytes.Repeat([]byte{0}, 4<<20)
	good, _ := samplePackage(t).Bytes()
	cases := []struct {
		name string
		data []byte
		lim  *Limits
		want error
	}{
		{"not a zip", []byte("PK\x03\x04garbage"), nil, ErrNotZip},
		{"truncated", good[:len(good)/2], nil, ErrNotZip},
		{"empty", nil, nil, ErrNotZip},
		{"traversal", zipOf(t, zipEntry{name: "../../etc/passwd", data: []byte("x")}), nil, ErrUnsafePath},
		{"backslash traversal", zipOf(t, zipEntry{name: `IHE_XDM\..\..\x`, data: []byte("x")}), nil, ErrUnsafePath},
		{"absolute", zipOf(t, zipEntry{name: "/etc/passwd", data: []byte("x")}), nil, ErrUnsafePath},
		{"drive letter", zipOf(t, zipEntry{name: `C:\Windows\x`, data: []byte("x")}), nil, ErrUnsafePath},
		{"symlink", zipOf(t, zipEntry{name: "IHE_XDM/SUBSET01/DOC0001.XML", data: []byte("/etc/passwd"), symlink: true}), nil, ErrSymlink},
		{"duplicate", zipOf(t, zipEntry{name: "A.TXT", data: []byte("1")}, zipEntry{name: "a.txt", data: []byte("2")}), nil, ErrDuplicate},
		{"bomb", zipOf(t, zipEntry{name: "IHE_XDM/SUBSET01/METADATA.XML", data: valid}, zipEntry{name: "IHE_XDM/SUBSET01/DOC0001.XML", data: big}), nil, ErrZipBomb},
		{"file too large", zipOf(t, zipEntry{name: "X.BIN", data: bytes.Repeat([]byte("ab"), 600)}), &Limits{MaxFileSize: 1000}, ErrTooLarge},
		{"total too large", zipOf(t, zipEntry{name: "X.BIN", data: make([]byte, 600)}, zipEntry{name: "Y.BIN", data: make([]byte, 600)}), &Limits{MaxTotal: 1000}, ErrTooLarge},
		{"too many files", zipOf(t, zipEntry{name: "A", data: nil}, zipEntry{name: "B"}, zipEntry{name: "C"}), &Limits{MaxFiles: 2}, ErrTooManyFiles},
		{"no metadata", zipOf(t, zipEntry{name: "README.TXT", data: []byte("hi")}), nil, ErrNoMetadata},
		{"bad metadata", zipOf(t, zipEntry{name: "IHE_XDM/SUBSET01/METADATA.XML", data: []byte("<not xml")}), nil, ErrBadMetadata},
		{"missing document", zipOf(t, zipEntry{name: "IHE_XDM/SUBSET01/METADATA.XML", data: valid}), nil, ErrMissingFile},
		{"URI traversal", zipOf(t, zipEntry{name: "IHE_XDM/SUBSET01/METADATA.XML", data: metadataFor(t, "../../../etc/passwd")}), nil, ErrUnsafePath},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Read(bytes.NewReader(c.data), int64(len(c.data)), c.lim)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v (package %v)", err, c.want, p != nil)
			}
			// The metadata-only read refuses the same archives.
			p, err = ReadMetadata(bytes.NewReader(c.data), int64(len(c.data)), c.lim)
			if !errors.Is(err, c.want) {
				t.Fatalf("ReadMetadata: err = %v, want %v (package %v)", err, c.want, p != nil)
			}
		})
	}
}

// TestReadMetadata reads the package's patient and document entries without their content.
func TestReadMetadata(t *testing.T) {
	sample := samplePackage(t)
	data, err := sample.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	p, err := ReadMetadata(bytes.NewReader(data), int64(len(data)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Patient != patient || len(p.Documents) != 2 {
		t.Fatalf("patient %+v, %d documents", p.Patient, len(p.Documents))
	}
	d := p.Documents[0]
	if d.Title != "CR & <suivi>" || d.Type != typeCR || d.URI != "DOC0001.XML" || d.Data != nil || d.PDF != nil ||
		d.Size != int64(len(sample.Documents[0].Data)) {
		t.Errorf("document %+v", d)
	}
	if d.Detect() != KindCDA {
		t.Errorf("kind %v, want CDA from the metadata", d.Detect())
	}
}

// TestReadDamagedDocument: what only inflating a document shows (a size it does not keep, a
// bad checksum, corrupt deflate data) is that document's Damage. The package, its patient
// and its other documents stay readable, and the metadata-only read, which does not
// inflate, reads the same patient and documents: a message is never indexed with a patient
// its reader then refuses (FuzzParse).
func TestReadDamagedDocument(t *testing.T) {
	valid := metadataFor(t, "DOC0001.XML")
	for _, c := range []struct {
		name string
		data []byte
		want error // besides ErrCorrupt
	}{
		// Either our bound or archive/zip's own size check stops the lying size.
		{"lying size", lyingZip(t, valid), nil},
		{"bad checksum", badChecksumZip(t, valid), zip.ErrChecksum},
		{"corrupt deflate", corruptDeflateZip(t, valid), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := Read(bytes.NewReader(c.data), int64(len(c.data)), nil)
			if err != nil {
				t.Fatalf("Read refused the package: %v", err)
			}
			d := p.Documents[0]
			if !errors.Is(d.Damage, ErrCorrupt) || (c.want != nil && !errors.Is(d.Damage, c.want)) {
				t.Fatalf("damage %v, want %v and %v", d.Damage, ErrCorrupt, c.want)
			}
			if d.Data != nil || d.PDF != nil || d.Intact() || !p.Damaged() {
				t.Errorf("data %d bytes, intact %v, package damaged %v", len(d.Data), d.Intact(), p.Damaged())
			}
			if got := d.Problem(); !strings.Contains(got, "endommagé") || !strings.Contains(got, "IHE_XDM.ZIP") {
				t.Errorf("user sees %q", got)
			}
			m, err := ReadMetadata(bytes.NewReader(c.data), int64(len(c.data)), nil)
			if err != nil {
				t.Fatalf("ReadMetadata: %v", err)
			}
			if m.Patient != p.Patient || len(m.Documents) != len(p.Documents) || m.Documents[0].Title != d.Title {
				t.Errorf("ReadMetadata: patient %+v, %d documents; Read: %+v, %d", m.Patient, len(m.Documents), p.Patient, len(p.Documents))
			}
		})
	}
}

// TestReadOneDamagedDocumentAmongOthers: the intact document of a package stays readable,
// checked and shown when its neighbour is damaged.
func TestReadOneDamagedDocumentAmongOthers(t *testing.T) {
	sample := samplePackage(t)
	good, err := sample.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	damaged, err := xdmtest.FlipCRC(good, func(name string) bool { return strings.HasSuffix(name, "DOC0002.XML") })
	if err != nil {
		t.Fatal(err)
	}
	p, err := Read(bytes.NewReader(damaged), int64(len(damaged)), nil)
	if err != nil {
		t.Fatal(err)
	}
	first, second := p.Documents[0], p.Documents[1]
	if first.Damage != nil || !first.Intact() || !bytes.Equal(first.Data, sample.Documents[0].Data) || first.Problem() != "" {
		t.Errorf("the intact document: damage %v, intact %v, %d bytes", first.Damage, first.Intact(), len(first.Data))
	}
	if !errors.Is(second.Damage, zip.ErrChecksum) || second.Data != nil {
		t.Errorf("the damaged document: damage %v, %d bytes", second.Damage, len(second.Data))
	}
}

// lyingZip declares a 10-byte document whose deflate stream expands to 1 MiB.
func lyingZip(t *testing.T, meta []byte) []byte {
	t.Helper()
	content := bytes.Repeat([]byte("A"), 1<<20)
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	fw.Write(content)
	fw.Close()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.Create("IHE_XDM/SUBSET01/METADATA.XML")
	w.Write(meta)
	raw, err := zw.CreateRaw(&zip.FileHeader{Name: "IHE_XDM/SUBSET01/DOC0001.XML", Method: zip.Deflate,
		CRC32: crc32.ChecksumIEEE(content), CompressedSize64: uint64(comp.Len()), UncompressedSize64: 10})
	if err != nil {
		t.Fatal(err)
	}
	raw.Write(comp.Bytes())
	zw.Close()
	return b.Bytes()
}

// rawDocZip writes valid metadata and DOC0001.XML as the given raw entry.
func rawDocZip(t *testing.T, meta []byte, h *zip.FileHeader, raw []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.Create("IHE_XDM/SUBSET01/METADATA.XML")
	w.Write(meta)
	h.Name = "IHE_XDM/SUBSET01/DOC0001.XML"
	rw, err := zw.CreateRaw(h)
	if err != nil {
		t.Fatal(err)
	}
	rw.Write(raw)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// badChecksumZip stores a document whose CRC-32 is not its content's.
func badChecksumZip(t *testing.T, meta []byte) []byte {
	content := []byte("<ClinicalDocument/>")
	return rawDocZip(t, meta, &zip.FileHeader{Method: zip.Store, CRC32: crc32.ChecksumIEEE(content) ^ 1,
		CompressedSize64: uint64(len(content)), UncompressedSize64: uint64(len(content))}, content)
}

// corruptDeflateZip stores a document whose deflate stream is garbage.
func corruptDeflateZip(t *testing.T, meta []byte) []byte {
	garbage := bytes.Repeat([]byte{0xff}, 64)
	return rawDocZip(t, meta, &zip.FileHeader{Method: zip.Deflate, CRC32: 1,
		CompressedSize64: uint64(len(garbage)), UncompressedSize64: 100}, garbage)
}

func TestReadNestedZipNotExpanded(t *testing.T) {
	inner := zipOf(t, zipEntry{name: "../evil", data: []byte("x")})
	data := zipOf(t, zipEntry{name: "IHE_XDM/SUBSET01/METADATA.XML", data: metadataFor(t, "DOC0001.XML")},
		zipEntry{name: "IHE_XDM/SUBSET01/DOC0001.XML", data: samplePackage(t).Documents[0].Data},
		zipEntry{name: "IHE_XDM/SUBSET01/INNER.ZIP", data: inner})
	p, err := Read(bytes.NewReader(data), int64(len(data)), nil)
	if err != nil || len(p.Documents) != 1 {
		t.Fatalf("%v", err)
	}
}

// An archive laid out like the ANS sample: subset SS000001, lower-case document name,
// namespace prefixes other than ours, no sourcePatientInfo.
func TestReadForeignLayout(t *testing.T) {
	meta := `<?xml version="1.0" encoding="UTF-8"?>
<SubmitObjectsRequest xmlns="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0" xmlns:r="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0">
<r:RegistryObjectList>
<r:ExtrinsicObject id="urn:uuid:1" mimeType="text/xml" objectType="urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1">
<r:Slot name="creationTime"><r:ValueList><r:Value>20240115</r:Value></r:ValueList></r:Slot>
<r:Slot name="URI"><r:ValueList><r:Value>doc.xml</r:Value></r:ValueList></r:Slot>
<r:Name><r:LocalizedString xml:lang="fr-FR" value="Lettre de liaison"/></r:Name>
<r:Classification classificationScheme="urn:uuid:f0306f51-975f-434e-a61c-c59651d33983" classifiedObject="urn:uuid:1" nodeRepresentation="34133-9">
<r:Slot name="codingScheme"><r:ValueList><r:Value>2.16.840.1.113883.6.1</r:Value></r:ValueList></r:Slot>
<r:Name><r:LocalizedString value="Synthèse"/></r:Name></r:Classification>
<r:ExternalIdentifier identificationScheme="urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427" value="1234567890123^^^&amp;1.2.250.1.213.1.4.10&amp;ISO" registryObject="urn:uuid:1"/>
</r:ExtrinsicObject>
</r:RegistryObjectList></SubmitObjectsRequest>`
	data := zipOf(t, zipEntry{name: "IHE_XDM/SS000001/METADATA.XML", data: []byte(meta)},
		zipEntry{name: "IHE_XDM/SS000001/doc.xml", data: []byte("<ClinicalDocument/>")})
	p, err := Read(bytes.NewReader(data), int64(len(data)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Patient.ID != "1234567890123" || p.Patient.OID != OIDINSNIRTest || len(p.Documents) != 1 {
		t.Fatalf("%+v", p)
	}
	d := p.Documents[0]
	if d.Title != "Lettre de liaison" || d.Type.Code != "34133-9" || d.Type.Display != "Synthèse" ||
		!d.CreationTime.Equal(time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)) || string(d.Data) != "<ClinicalDocument/>" || d.PDF != nil {
		t.Errorf("%+v", d)
	}
}

func TestMetadataEntitiesNotExpanded(t *testing.T) {
	meta := `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<SubmitObjectsRequest><RegistryObjectList><ExtrinsicObject id="d"><Name><LocalizedString value="&xxe;"/></Name></ExtrinsicObject></RegistryObjectList></SubmitObjectsRequest>`
	if _, err := ParseMetadata([]byte(meta)); !errors.Is(err, ErrBadMetadata) {
		t.Fatalf("err = %v", err)
	}
}

func TestParseCX(t *testing.T) {
	for in, want := range map[string][2]string{
		"279035121518989^^^&1.2.250.1.213.1.4.8&ISO": {"279035121518989", OIDINSNIR},
		"ABC":  {"ABC", ""},
		"":     {"", ""},
		"^^^&": {"", ""},
	} {
		id, oid, err := ParseCX(in)
		if id != want[0] || oid != want[1] || (want[0] == "") != (err != nil) {
			t.Errorf("ParseCX(%q) = %q %q %v", in, id, oid, err)
		}
	}
}

func TestExtractPDF(t *testing.T) {
	cda, _ := NewCDA(CDAInfo{ID: "1.2", Created: now}, patient, bytes.Repeat(pdf, 100))
	if got, err := ExtractPDF(cda, 0); err != nil || !bytes.Equal(got, bytes.Repeat(pdf, 100)) {
		t.Fatalf("%v", err)
	}
	if _, err := ExtractPDF(cda, 100); !errors.Is(err, ErrTooLarge) {
		t.Errorf("limit: %v", err)
	}
	if _, err := ExtractPDF([]byte("<ClinicalDocument><component><structuredBody/></component></ClinicalDocument>"), 0); !errors.Is(err, ErrNoPDF) {
		t.Errorf("no PDF: %v", err)
	}
	if _, err := ExtractPDF([]byte(`<nonXMLBody><text mediaType="application/pdf" representation="B64">!!!</text></nonXMLBody>`), 0); !errors.Is(err, ErrNoPDF) {
		t.Errorf("bad base64: %v", err)
	}
}

func TestWriteRefuses(t *testing.T) {
	if err := Write(&bytes.Buffer{}, &Package{}); !errors.Is(err, ErrInvalidPackage) {
		t.Errorf("empty: %v", err)
	}
	p := samplePackage(t)
	p.Documents[1].Data = nil
	if err := Write(&bytes.Buffer{}, p); !errors.Is(err, ErrInvalidPackage) {
		t.Errorf("no data: %v", err)
	}
}

func TestReadSeveralPatients(t *testing.T) {
	p := samplePackage(t)
	meta := string(MarshalMetadata(p))
	// The second document names another patient.
	i := strings.Index(meta, `id="ei-pid-2"`)
	meta = meta[:i] + strings.Replace(meta[i:], p.Patient.ID, "180127512345642", 1)
	if _, err := ParseMetadata([]byte(meta)); !errors.Is(err, ErrSeveralPatients) {
		t.Fatalf("err = %v", err)
	}
}

func TestNewPackageRoundTrip(t *testing.T) {
	doc, err := NewPDFDocument(CDAInfo{Type: typeCR, Created: now}, Code{Code: "11", Scheme: "1.2.250.1.213.1.1.4.1", Display: "Compte rendu"}, patient, pdf)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.UniqueID, "2.25.") || doc.Title != typeCR.Display {
		t.Errorf("doc %+v", doc.UniqueID)
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
	if err != nil || len(back.Documents) != 1 || !bytes.Equal(back.Documents[0].PDF, pdf) || back.Documents[0].Format != FormatPDF || back.UniqueID != p.UniqueID {
		t.Fatalf("%v %+v", err, back)
	}
}
