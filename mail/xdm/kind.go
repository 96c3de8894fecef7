package xdm

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/xml"
	"io"
	"path"
	"strings"
)

// Kind says what a document of the package is, and so how the reader shows it.
type Kind int

const (
	KindUnknown   Kind = iota // not detected yet (a Document built by hand)
	KindCDA                   // a CDA R2 document; level 1 ones carry their PDF in Document.PDF
	KindPDF                   // a PDF file
	KindDICOM                 // a DICOM object such as a KOS: not displayable, to be saved
	KindSignature             // an XDS signature entry (IHE DSG) of the submission set
	KindOther                 // any other file: to be saved
)

// Label is the French name of the kind, shown next to the document.
func (k Kind) Label() string {
	switch k {
	case KindCDA:
		return "document CDA"
	case KindPDF:
		return "PDF"
	case KindDICOM:
		return "imagerie (non affichable)"
	case KindSignature:
		return "signature électronique"
	}
	return "fichier"
}

// String names the kind for logs and JSON.
func (k Kind) String() string {
	return [...]string{"unknown", "cda", "pdf", "dicom", "signature", "other"}[min(max(int(k), 0), 5)]
}

// Codes that mark an XDS signature entry (IHE ITI Document Digital Signature).
const (
	classDigitalSignature = "urn:oid:1.3.6.1.4.1.19376.1.2.1.1.1"
	formatXMLDSig         = "http://www.w3.org/2000/09/xmldsig#"
	assocSigns            = "urn:ihe:iti:2007:AssociationType:signs"
)

// Detect returns d.Kind, working it out from the metadata and the content when unknown.
func (d *Document) Detect() Kind {
	if d.Kind != KindUnknown {
		return d.Kind
	}
	mt := strings.ToLower(strings.TrimSpace(d.MimeType))
	upper := strings.ToUpper(d.URI)
	switch {
	case d.Class.Code == classDigitalSignature || d.Format.Code == formatXMLDSig ||
		(d.Type.Code == "E1762" && strings.EqualFold(d.Type.Scheme, "ASTM")):
		return KindSignature
	case mt == "application/dicom" || strings.HasPrefix(d.Format.Code, "1.2.840.10008.") || isDICOM(d.Data):
		return KindDICOM
	case mt == "application/pdf" || bytes.HasPrefix(d.Data, []byte("%PDF-")):
		return KindPDF
	case mt == "text/xml" || mt == "application/xml" || strings.HasSuffix(upper, ".XML"):
		if d.Data == nil || rootElement(d.Data) == "ClinicalDocument" {
			return KindCDA
		}
	}
	return KindOther
}

// isDICOM recognises a DICOM Part 10 file: "DICM" after a 128-byte preamble.
func isDICOM(b []byte) bool { return len(b) >= 132 && string(b[128:132]) == "DICM" }

// rootElement returns the local name of the first element of an XML document ("" if none).
func rootElement(b []byte) string {
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = false
	dec.CharsetReader = func(_ string, in io.Reader) (io.Reader, error) { return in, nil }
	for range 64 { // the root comes after a few prolog tokens
		tok, err := dec.RawToken()
		if err != nil {
			return ""
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Local
		}
	}
	return ""
}

// Check is the comparison of a document's content with what its metadata declares.
type Check int

const (
	CheckNone     Check = iota // the metadata declares nothing to compare with
	CheckOK                    // the content matches
	CheckMismatch              // the content differs: damaged or altered
)

// Label is the French word for the result.
func (c Check) Label() string {
	switch c {
	case CheckOK:
		return "conforme"
	case CheckMismatch:
		return "différente"
	}
	return "non indiquée"
}

// String names the result for logs and JSON: "ok", "mismatch" or "none".
func (c Check) String() string {
	switch c {
	case CheckOK:
		return "ok"
	case CheckMismatch:
		return "mismatch"
	}
	return "none"
}

// Verify sets Size and Hash from Data, and the checks against DeclaredSize and DeclaredHash.
func (d *Document) Verify() {
	d.Size = int64(len(d.Data))
	sum := sha1.Sum(d.Data)
	d.Hash = hex.EncodeToString(sum[:])
	d.SizeCheck, d.HashCheck = CheckNone, CheckNone
	if d.DeclaredSize >= 0 {
		d.SizeCheck = CheckMismatch
		if d.DeclaredSize == d.Size {
			d.SizeCheck = CheckOK
		}
	}
	if d.DeclaredHash != "" {
		d.HashCheck = CheckMismatch
		if strings.EqualFold(d.DeclaredHash, d.Hash) {
			d.HashCheck = CheckOK
		}
	}
}

// Intact reports whether the document was read and neither its size nor its hash differs
// from the declared ones.
func (d *Document) Intact() bool {
	return d.Damage == nil && d.SizeCheck != CheckMismatch && d.HashCheck != CheckMismatch
}

// Problem is the French sentence to show when the document is not intact ("" otherwise).
func (d *Document) Problem() string {
	switch {
	case d.Damage != nil:
		return "Ce document est endommagé dans l'archive et ne peut pas être lu. L'archive IHE_XDM.ZIP reste jointe au message : enregistrez-la, ou demandez à l'expéditeur de renvoyer le document."
	case !d.Intact():
		return "Ce document ne correspond pas à la taille ou à l'empreinte annoncées dans l'archive : il a pu être abîmé ou modifié en route."
	}
	return ""
}

// Damaged reports whether a document or signature of the package could not be read from
// the archive (Document.Damage).
func (p *Package) Damaged() bool {
	for _, list := range [][]Document{p.Documents, p.Signatures} {
		for i := range list {
			if list[i].Damage != nil {
				return true
			}
		}
	}
	return false
}

// FileName is a safe name to save the document under: the last element of its URI, or a
// name made from its kind.
func (d *Document) FileName() string {
	name := path.Base(strings.ReplaceAll(d.URI, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`<>:"/\|?*`, r) {
			return -1
		}
		return r
	}, name)
	if name != "" && name != "." && name != ".." {
		return name
	}
	switch d.Detect() {
	case KindCDA, KindSignature:
		return "document.xml"
	case KindPDF:
		return "document.pdf"
	case KindDICOM:
		return "document.dcm"
	}
	return "document.bin"
}
