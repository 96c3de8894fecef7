package xdm

import (
	"fmt"
	"strings"
	"time"
)

// OIDs of the French patient identifiers (INS) used as the assigning authority of a patient id.
const (
	OIDINSNIR     = "1.2.250.1.213.1.4.8"  // INS-NIR (the NIR used as INS)
	OIDINSNIA     = "1.2.250.1.213.1.4.9"  // INS-NIA (temporary identifier)
	OIDINSNIRTest = "1.2.250.1.213.1.4.10" // test INS-NIR
	OIDINSNIATest = "1.2.250.1.213.1.4.11" // test INS-NIA
)

// Code is a coded value of the XDS metadata (classCode, typeCode, formatCode...).
type Code struct {
	Code    string // nodeRepresentation, e.g. "11488-4"
	Scheme  string // codingScheme, e.g. "2.16.840.1.113883.6.1" (LOINC)
	Display string // human label, e.g. "Compte rendu de consultation"
}

// Patient identifies the patient the package is about.
type Patient struct {
	ID        string // the INS (15 characters for an INS-NIR)
	OID       string // assigning authority, e.g. OIDINSNIR
	Family    string // birth name
	Given     string // first given name
	BirthDate time.Time
	Sex       string // "M", "F" or "U"
}

// CX formats the patient id as XDS writes it: `<ID>^^^&<OID>&ISO`.
func (p Patient) CX() string {
	if p.OID == "" {
		return p.ID
	}
	return p.ID + "^^^&" + p.OID + "&ISO"
}

// IsINS reports whether the patient id is an INS (by its assigning authority).
func (p Patient) IsINS() bool {
	switch p.OID {
	case OIDINSNIR, OIDINSNIA, OIDINSNIRTest, OIDINSNIATest:
		return true
	}
	return false
}

// ParseCX splits an XDS patient id `<ID>^^^&<OID>&ISO` into its id and OID.
func ParseCX(s string) (id, oid string, err error) {
	s = strings.TrimSpace(s)
	id, rest, ok := strings.Cut(s, "^^^")
	if !ok {
		if s == "" || strings.ContainsAny(s, "^&") {
			return "", "", fmt.Errorf("%w: patient id %q", ErrBadMetadata, s)
		}
		return s, "", nil
	}
	parts := strings.Split(rest, "&")
	if id == "" || len(parts) < 2 || parts[1] == "" {
		return "", "", fmt.Errorf("%w: patient id %q", ErrBadMetadata, s)
	}
	return id, parts[1], nil
}

// Document is one document entry of the package and its content.
type Document struct {
	ID              string // symbolic entry id in the metadata (e.g. "Document01")
	UniqueID        string // XDSDocumentEntry.uniqueId (an OID, or OID^extension)
	Title           string
	Class           Code // classCode
	Type            Code // typeCode: its Code goes into X-MSS-CODECDA
	Format          Code // formatCode
	Confidentiality Code
	Facility        Code // healthcareFacilityTypeCode
	Practice        Code // practiceSettingCode
	CreationTime    time.Time
	ServiceStart    time.Time // the "date de l'acte"
	MimeType        string    // "text/xml" for a CDA
	URI             string    // file name inside the subset directory
	Size            int64
	Hash            string // SHA-1, lower-case hex
	Data            []byte // the file's content
	PDF             []byte // the PDF embedded in a CDA level 1 document; nil otherwise
}

// Package is the content of an IHE XDM archive.
type Package struct {
	Patient        Patient
	Title          string    // submission set title
	SubmissionTime time.Time // submissionTime
	UniqueID       string    // submission set uniqueId (an OID)
	SourceID       string    // submission set sourceId (the sender's OID)
	ContentType    Code      // submission set contentTypeCode
	Documents      []Document
}

// CodesCDA returns the distinct type codes of the CDA documents, in order: the value of the
// X-MSS-CODECDA header.
func (p *Package) CodesCDA() []string {
	var out []string
	seen := map[string]bool{}
	for _, d := range p.Documents {
		c := d.Type.Code
		if c == "" || seen[c] {
			continue
		}
		seen[c] = true
		out = append(out, c)
	}
	return out
}
