package session_test

import (
	"errors"
	"testing"
	"time"

	"comptoir/app/session"
	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cps/cpstest"
	"comptoir/mail/msg"
	"comptoir/mail/patient"
	"comptoir/mail/xdm"
)

// « Joindre un document de santé »: the patient comes from the book with a qualified INS, the
// author is the card holder in the chosen situation's structure, and only a pharmacist signs.
func TestSessionHealthDocuments(t *testing.T) {
	s := open(t, cpstest.Titulaire, config(t))
	ins, err := patient.ParseINS(sandbox.SeedPatientINS()[0])
	if err != nil {
		t.Fatal(err)
	}
	camille := patient.Patient{INS: ins, BirthName: "Roussel", FirstNames: "Camille", Sex: patient.Female,
		BirthDate: time.Date(1985, 4, 12, 0, 0, 0, 0, time.UTC)}
	if err := s.PutPatient(camille); err != nil {
		t.Fatal(err)
	}
	vacc, _ := xdm.DocTypeByCode("87273-9")
	doc := msg.HealthDocument{Type: vacc, PDF: []byte("%PDF-1.4\n%%EOF\n")}
	var d msg.Draft
	if err := s.AddHealthDocuments(&d, string(ins), doc); !errors.Is(err, patient.ErrNotQualified) {
		t.Fatalf("an INS not qualified in the book: %v, want ErrNotQualified", err)
	}
	if err := s.AddHealthDocuments(&d, "2790913055087", doc); err == nil {
		t.Fatal("a patient absent from the book was accepted")
	}
	camille.Qualified = true
	if err := s.PutPatient(camille); err != nil {
		t.Fatal(err)
	}
	if err := s.AddHealthDocuments(&d, string(ins), doc); err != nil {
		t.Fatal(err)
	}
	if d.Patient == nil || !d.Patient.Qualified || d.Patient.INS != string(ins) || d.Documents == nil {
		t.Fatalf("draft patient %+v, documents %v", d.Patient, d.Documents != nil)
	}
	a := d.Documents.Documents[0].Author
	if a.ID != cpstest.Titulaire.NationalID || a.Family != "BONNEFOY" || a.Org != cpstest.Pharmacie.StructureName ||
		a.OrgID != "1"+cpstest.Pharmacie.FINESS() || a.Profession != xdm.ProfessionPharmacien {
		t.Fatalf("author %+v", a)
	}

	prep := open(t, cpstest.Preparateur, config(t))
	if err := prep.PutPatient(camille); err != nil {
		t.Fatal(err)
	}
	var pd msg.Draft
	if err := prep.AddHealthDocuments(&pd, string(ins), doc); !errors.Is(err, session.ErrNoAuthorProfession) {
		t.Fatalf("a préparateur as author: %v, want ErrNoAuthorProfession", err)
	}
}
