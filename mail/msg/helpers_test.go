package msg

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"testing"
	"time"

	"comptoir/mail/xdm"
)

func base64Reader(b []byte) io.Reader {
	return base64.NewDecoder(base64.StdEncoding, bytes.NewReader(bytes.ReplaceAll(b, []byte("\r\n"), nil)))
}

var testPDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n")

// testPackage is one CDA document (a PDF inside) for the patient ins.
func testPackage(t testing.TB, ins string) *xdm.Package {
	t.Helper()
	pat := xdm.Patient{ID: ins, OID: xdm.OIDINSNIR, Family: "Dupont", Given: "Marie",
		BirthDate: time.Date(1979, 3, 12, 0, 0, 0, 0, time.UTC), Sex: "F"}
	typ := xdm.Code{Code: "11488-4", Scheme: "2.16.840.1.113883.6.1", Display: "Compte rendu de consultation"}
	cda, err := xdm.NewCDA(xdm.CDAInfo{ID: "1.2.250.1.999.1.1", Type: typ, Title: "Compte rendu",
		Created: testNow, ServiceStart: testNow.Add(-24 * time.Hour),
		Author: xdm.Author{ID: "810000000001", IDRoot: "1.2.250.1.71.4.2.1", Family: "Martin", Given: "Paul", Org: "Pharmacie du Centre"}}, pat, testPDF)
	if err != nil {
		t.Fatal(err)
	}
	return &xdm.Package{Patient: pat, Title: "Envoi", SubmissionTime: testNow, UniqueID: "1.2.250.1.999.2.1", SourceID: "1.2.250.1.999",
		Documents: []xdm.Document{{Title: "Compte rendu", Type: typ, MimeType: "text/xml", CreationTime: testNow,
			ServiceStart: testNow.Add(-24 * time.Hour), UniqueID: "1.2.250.1.999.1.1", Data: cda, PDF: testPDF,
			Class:  xdm.Code{Code: "11", Scheme: "1.2.250.1.213.1.1.4.1", Display: "Compte rendu"},
			Format: xdm.Code{Code: "urn:ihe:iti:xds-sd:pdf:2008", Scheme: "1.3.6.1.4.1.19376.1.2.3", Display: "PDF"}}}}
}

func isErr(err, target error) bool { return errors.Is(err, target) }
