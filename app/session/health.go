package session

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"comptoir/mail/msg"
	"comptoir/mail/patient"
	"comptoir/mail/xdm"
	"comptoir/store"
)

// ErrNoAuthorProfession: the documents Comptoir writes are a pharmacy's
// (xdm.PharmacyDocTypes), authored by a pharmacist; another card (préparateur, médecin) or a
// structure's software cannot sign them as author.
var ErrNoAuthorProfession = errors.New("session: only a pharmacist's card may author a health document")

// AddHealthDocuments makes docs the health documents of d about the patient ins of the patient
// book (« Joindre un document de santé »): each PDF becomes a CDA R2 level 1 inside an IHE XDM
// package (msg.Draft.AddHealthDocuments), written by the card holder in the structure of the
// chosen practice situation. The patient's INS must be qualified in the book: X-MSS-INS then
// says O.
func (s *Session) AddHealthDocuments(d *msg.Draft, ins string, docs ...msg.HealthDocument) error {
	if err := s.check(); err != nil {
		return err
	}
	rec, err := s.st.Patient(strings.ToUpper(strings.TrimSpace(ins)))
	if err != nil {
		return fmt.Errorf("session: health documents: patient: %w", err)
	}
	p, err := patient.FromRecord(patient.Record(rec))
	if err != nil {
		return fmt.Errorf("session: health documents: %w", err)
	}
	if !p.Qualified {
		return fmt.Errorf("session: health documents: %w", patient.ErrNotQualified)
	}
	author, err := s.Identity().documentAuthor()
	if err != nil {
		return err
	}
	pat := msg.PatientInfo{INS: string(p.INS), Qualified: true, Family: p.BirthName, Given: p.FirstNames,
		BirthDate: p.BirthDate, Sex: string(p.Sex)}
	if err := d.AddHealthDocuments(pat, author, s.cfg.Now(), docs...); err != nil {
		return fmt.Errorf("session: health documents: %w", err)
	}
	return nil
}

// documentAuthor is the card holder as a CDA author, in the chosen situation's structure.
func (id Identity) documentAuthor() (xdm.Author, error) {
	if id.App {
		return xdm.Author{}, fmt.Errorf("%w (a structure's software)", ErrNoAuthorProfession)
	}
	a := xdm.Author{ID: id.NationalID, Family: id.Surname, Given: id.GivenName}
	if !strings.HasPrefix(strings.ToLower(strings.TrimSpace(id.Profession)), "pharmacien") {
		return xdm.Author{}, fmt.Errorf("%w (%q)", ErrNoAuthorProfession, id.Profession)
	}
	a.Profession = xdm.ProfessionPharmacien
	if id.Situation < len(id.Situations) {
		sit := id.Situations[id.Situation]
		a.Org = sit.StructureName
		if sit.StructureID != "" {
			a.OrgID = strconv.Itoa(sit.StructureIDType) + sit.StructureID
		}
	}
	return a, nil
}

// fromBook sets the qualification of a forwarded or answered message's patient from the
// patient book: the library never trusts the received X-MSS-INS.
func (s *Session) fromBook(d *msg.Draft) {
	if d.Patient == nil || d.Patient.INS == "" {
		return
	}
	pi := *d.Patient
	pi.Qualified = false
	if rec, err := s.st.Patient(strings.ToUpper(pi.INS)); err == nil {
		pi.Qualified = rec.Qualified
	} else if !errors.Is(err, store.ErrNotFound) {
		s.cfg.Logger.Warn("patient book", "err", err)
	}
	d.Patient = &pi
}
