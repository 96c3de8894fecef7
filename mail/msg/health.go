package msg

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"comptoir/mail/patient"
	"comptoir/mail/xdm"
)

// HealthDocument is a PDF the user sends as a health document of the patient.
type HealthDocument struct {
	Type  xdm.DocType // one of xdm.PharmacyDocTypes()
	Title string      // "" : the type's LOINC label
	PDF   []byte
	Act   time.Time // date of the act (serviceStartTime, "date acte" of the PDF copy); zero: now
}

// AddHealthDocuments makes docs the draft's health documents for pat, written by author at
// now: each PDF is wrapped in a CDA R2 level 1 with a CI-SIS header, the CDAs go into an IHE
// XDM package (Draft.Documents) and pat becomes Draft.Patient. Build then attaches
// IHE_XDM.ZIP and the PDF copies named as ECO.2.1.6 says, writes the XDM/1.0/DDM+ subject
// (Draft.Subject, if any, is its label), X-MSS-CODECDA from the CDAs' codes and X-MSS-INS from
// pat.Qualified. The INS must be valid (ErrInvalidINS) and each file a PDF (ErrNotPDF).
func (d *Draft) AddHealthDocuments(pat PatientInfo, author xdm.Author, now time.Time, docs ...HealthDocument) error {
	ins, err := patient.ParseINS(pat.INS)
	if err != nil {
		return fmt.Errorf("msg: health documents: %w: %w", ErrInvalidINS, err)
	}
	if len(docs) == 0 {
		return fmt.Errorf("msg: health documents: %w", ErrNoDocument)
	}
	pat.INS = string(ins)
	xp := xdm.Patient{ID: pat.INS, OID: xdm.OIDINSNIR, Family: strings.ToUpper(strings.TrimSpace(pat.Family)),
		Given: strings.TrimSpace(pat.Given), BirthDate: pat.BirthDate, Sex: pat.Sex}
	if author.Profession.Code == "" {
		author.Profession = xdm.ProfessionPharmacien
	}
	var entries []xdm.Document
	for i, h := range docs {
		if !bytes.HasPrefix(h.PDF, []byte("%PDF-")) {
			return fmt.Errorf("msg: health document %d: %w", i+1, ErrNotPDF)
		}
		if h.Type.Type.Code == "" {
			return fmt.Errorf("msg: health document %d: no document type: %w", i+1, ErrBadAttachment)
		}
		act := h.Act
		if act.IsZero() {
			act = now
		}
		doc, err := xdm.NewPDFDocument(xdm.CDAInfo{Type: h.Type.Type, Title: strings.TrimSpace(h.Title), Created: now,
			ServiceStart: act, Author: author}, h.Type.Class, xp, h.PDF)
		if err != nil {
			return fmt.Errorf("msg: health document %d: %w", i+1, err)
		}
		entries = append(entries, doc)
	}
	// The submission set's source: Comptoir has no registered OID, so a fresh 2.25 one.
	src, err := xdm.NewUniqueID()
	if err != nil {
		return err
	}
	title := docs[0].Type.Label
	pkg, err := xdm.NewPackage(xp, src, title, now, entries...)
	if err != nil {
		return err
	}
	d.Documents, d.Patient = pkg, &pat
	return nil
}
