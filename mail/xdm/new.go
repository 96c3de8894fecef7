package xdm

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"time"
)

// Codes the composer uses for a PDF wrapped in a CDA level 1 document.
var (
	// FormatPDF: ASS_A12 maps a level 1 body of type application/pdf to this formatCode.
	FormatPDF        = Code{Code: "urn:ihe:iti:xds-sd:pdf:2008", Scheme: "1.3.6.1.4.1.19376.1.2.3", Display: "Document à corps non structuré en Pdf/A-1"}
	ConfidentialityN = Code{Code: "N", Scheme: "2.16.840.1.113883.5.25", Display: "Normal"}
)

// NewUniqueID returns a fresh OID under 2.25 (a UUID written as an integer, ISO/IEC 9834-8):
// unique without any registered root.
func NewUniqueID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("xdm: unique id: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40 // UUID version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return "2.25." + new(big.Int).SetBytes(b[:]).String(), nil
}

// NewPDFDocument wraps pdf in a CDA R2 level 1 document for pat and returns its entry, ready
// for a Package: kind CDA, PDF format code, normal confidentiality, the facility of info (zero:
// FacilityPharmacie), ambulatory practice, and the author. An empty info.ID gets a
// NewUniqueID; a zero info.Created is now.
func NewPDFDocument(info CDAInfo, class Code, pat Patient, pdf []byte) (Document, error) {
	if info.ID == "" {
		id, err := NewUniqueID()
		if err != nil {
			return Document{}, err
		}
		info.ID = id
	}
	if info.Created.IsZero() {
		info.Created = time.Now()
	}
	if info.Facility.Code == "" {
		info.Facility = FacilityPharmacie
	}
	if info.Title == "" {
		info.Title = info.Type.Display
	}
	cda, err := NewCDA(info, pat, pdf)
	if err != nil {
		return Document{}, err
	}
	conf := info.Confidentiality
	if conf.Code == "" {
		conf = ConfidentialityN
	}
	return Document{Title: info.Title, Kind: KindCDA, Type: info.Type, Class: class, Format: FormatPDF, Confidentiality: conf,
		Facility: info.Facility, Practice: PracticeAmbulatoire, MimeType: "text/xml", CreationTime: info.Created,
		ServiceStart: info.ServiceStart, UniqueID: info.ID, Author: info.Author, DeclaredSize: -1, Data: cda, PDF: pdf,
		CDA: &CDAHeader{ID: info.ID, Code: info.Type, Title: info.Title, Effective: info.Created, Patients: []Patient{{ID: pat.ID, OID: pat.OID}},
			Family: pat.Family, Given: pat.Given, Sex: pat.Sex, BirthDate: pat.BirthDate, Body: "nonXMLBody", MediaType: "application/pdf"}}, nil
}

// NewPackage returns a package of docs for pat, submitted now by sourceID (the sender's OID).
func NewPackage(pat Patient, sourceID, title string, now time.Time, docs ...Document) (*Package, error) {
	id, err := NewUniqueID()
	if err != nil {
		return nil, err
	}
	return &Package{Patient: pat, Title: title, SubmissionTime: now, UniqueID: id, SourceID: sourceID, Documents: docs}, nil
}
