package xdm

import (
	"fmt"
	"strings"
	"time"
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
	Kind            Kind // what the document is; KindUnknown until Read or Detect sets it
	Class           Code // classCode
	Type            Code // typeCode (X-MSS-CODECDA is the CDA's own code, see CodesCDA)
	Format          Code // formatCode
	Confidentiality Code
	Facility        Code // healthcareFacilityTypeCode
	Practice        Code // practiceSettingCode
	CreationTime    time.Time
	ServiceStart    time.Time // the "date de l'acte"
	MimeType        string    // "text/xml" for a CDA
	URI             string    // file name as the metadata gives it
	Size            int64     // size of Data once read (ParseMetadata: the declared size)
	Hash            string    // SHA-1 of Data once read, lower-case hex (ParseMetadata: the declared hash)
	// DeclaredSize and DeclaredHash are the metadata's size and hash slots (-1 and "" when
	// absent); SizeCheck and HashCheck compare them with the content, as XDS does.
	DeclaredSize         int64
	DeclaredHash         string
	SizeCheck, HashCheck Check
	Author               Author     // written into the metadata's author classification when ID is set
	CDA                  *CDAHeader // the CDA's own header, for a CDA document that could be read
	Data                 []byte     // the file's content
	PDF                  []byte     // the PDF embedded in a CDA level 1 document; nil otherwise
	// Damage says why Read could not take the file out of the archive (it wraps ErrCorrupt:
	// bad checksum, corrupt data, a size it does not keep); Data is then nil. ReadMetadata
	// does not inflate and leaves it nil. It is not kept in JSON (a saved draft): an error
	// does not read back, and a forward sends the archive as it came.
	Damage error `json:"-"`
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
	// Signatures are the XDS signature entries (IHE DSG: class "Digital Signature", format
	// xmldsig, or the source of a "signs" association): they sign the submission set and are
	// not documents to show. Comptoir does not verify them.
	Signatures []Document
}

// HasCDA reports whether a CDA document travels in the package.
func (p *Package) HasCDA() bool { return len(p.CodesCDA()) > 0 }

// CodesCDA returns the distinct codes of the package's CDA documents, read from each CDA's own
// code element (not the XDS typeCode), in order: the value of X-MSS-CODECDA. Documents that
// are not CDA (DICOM, PDF, signatures) give none.
func (p *Package) CodesCDA() []string {
	var out []string
	seen := map[string]bool{}
	for i := range p.Documents {
		d := &p.Documents[i]
		if d.Detect() != KindCDA {
			continue
		}
		h := d.CDA
		if h == nil {
			var err error
			if h, err = ParseCDA(d.Data); err != nil {
				continue
			}
		}
		c := h.Code.Code
		if c == "" || seen[c] {
			continue
		}
		seen[c] = true
		out = append(out, c)
	}
	return out
}
