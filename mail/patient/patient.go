package patient

import (
	"fmt"
	"strings"
	"time"
)

// Patient is a patient's identity as the counter handles it.
type Patient struct {
	INS        INS
	BirthName  string // nom de naissance
	FirstNames string // prénoms, space-separated, as on the identity document
	BirthDate  time.Time
	Sex        Sex
	Qualified  bool // the INS was retrieved or verified through the INSi service
	// Unconfirmed: created automatically from a received message, not yet confirmed by the
	// pharmacist (« non vérifié »).
	Unconfirmed bool
}

// DisplayName is the name shown in lists: birth name in capitals, then first names.
func (p Patient) DisplayName() string {
	return strings.TrimSpace(strings.ToUpper(strings.TrimSpace(p.BirthName)) + " " + strings.TrimSpace(p.FirstNames))
}

// Confirm checks that the birth date and sex agree with the INS (ECO.2.2.6): the sex
// digit, the 2-digit year and, unless the NIR carries a pseudo-month, the month.
func (p Patient) Confirm() error {
	if p.BirthDate.IsZero() {
		return fmt.Errorf("patient: confirm %s: %w", p.INS, ErrBirthDateMissing)
	}
	if p.Sex != p.INS.Sex() {
		return fmt.Errorf("patient: confirm %s: %w", p.INS, ErrSexMismatch)
	}
	if p.BirthDate.Year()%100 != p.INS.BirthYear() {
		return fmt.Errorf("patient: confirm %s: year: %w", p.INS, ErrBirthDateMismatch)
	}
	if m := p.INS.BirthMonth(); m != 0 && time.Month(m) != p.BirthDate.Month() {
		return fmt.Errorf("patient: confirm %s: month: %w", p.INS, ErrBirthDateMismatch)
	}
	return nil
}

// Record mirrors store.Patient field for field (same names, types and order), so that
// a Go conversion turns one into the other without this package importing store:
//
//	sp := store.Patient(p.Record())
//	p, err := patient.FromRecord(patient.Record(sp))
type Record struct {
	INS, BirthName, FirstNames string
	BirthDate                  time.Time
	Sex                        string
	Qualified                  bool
	Created                    time.Time
	Unconfirmed                bool `json:",omitempty"`
}

// Record converts the patient for storage; Created is left for the caller to set.
func (p Patient) Record() Record {
	return Record{
		INS:         string(p.INS),
		BirthName:   p.BirthName,
		FirstNames:  p.FirstNames,
		BirthDate:   p.BirthDate,
		Sex:         string(p.Sex),
		Qualified:   p.Qualified,
		Unconfirmed: p.Unconfirmed,
	}
}

// FromRecord validates a stored patient: its INS must parse and its sex be known.
func FromRecord(r Record) (Patient, error) {
	ins, err := ParseINS(r.INS)
	if err != nil {
		return Patient{}, err
	}
	sex, err := ParseSex(r.Sex)
	if err != nil {
		return Patient{}, err
	}
	return Patient{INS: ins, BirthName: r.BirthName, FirstNames: r.FirstNames, BirthDate: r.BirthDate, Sex: sex,
		Qualified: r.Qualified, Unconfirmed: r.Unconfirmed}, nil
}
