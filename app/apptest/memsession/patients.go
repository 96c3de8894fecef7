package memsession

import (
	"slices"
	"sort"
	"strings"

	"comptoir/app"
	"comptoir/app/indicator"
	"comptoir/mail/patient"
)

// Patients lists the patient book by display name.
func (s *Session) Patients() ([]patient.Patient, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.patients)
	sort.Slice(out, func(i, j int) bool { return out[i].DisplayName() < out[j].DisplayName() })
	return out, nil
}

// PutPatient creates or updates a patient (same INS).
func (s *Session) PutPatient(p patient.Patient) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.patients {
		if s.patients[i].INS == p.INS {
			s.patients[i] = p
			return nil
		}
	}
	s.patients = append(s.patients, p)
	return nil
}

// PatientMessages lists the messages about ins across the BALs, newest first.
func (s *Session) PatientMessages(ins string) ([]app.PatientMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []app.PatientMessage
	for _, b := range s.bals {
		for _, f := range s.folders[b.Address] {
			for _, m := range s.msgs[key(b.Address, f.Name)] {
				if m.Patient != nil && strings.EqualFold(m.Patient.INS, ins) {
					out = append(out, app.PatientMessage{Envelope: m.Envelope, BALKind: b.Kind, Sent: f.SpecialUse == `\Sent`})
				}
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date.After(out[j].Date) })
	return out, nil
}

// Confidential: never marked here.
func (s *Session) Confidential(app.Ref) bool { return false }

// Summaries describes every message for the indicator.
func (s *Session) Summaries() ([]indicator.Summary, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []indicator.Summary
	for _, b := range s.bals {
		for _, f := range s.folders[b.Address] {
			sent := f.SpecialUse == `\Sent`
			for _, m := range s.msgs[key(b.Address, f.Name)] {
				other := m.From.Email
				if sent && len(m.To) > 0 {
					other = m.To[0].Email
				}
				out = append(out, indicator.SummaryOf(m.Date, sent, other, m.Kind == "dsn" || m.Kind == "mdn"))
			}
		}
	}
	return out, nil
}

// ReplyTemplates are the defaults until set.
func (s *Session) ReplyTemplates() ([]patient.Template, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.templates == nil {
		return patient.DefaultTemplates(), nil
	}
	return slices.Clone(s.templates), nil
}

// SetReplyTemplates replaces the templates.
func (s *Session) SetReplyTemplates(ts []patient.Template) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.templates = slices.Clone(ts)
	return nil
}

// Dispensings are the indicator's dispensings per month.
func (s *Session) Dispensings() (indicator.Dispensings, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := indicator.Dispensings{}
	out.Merge(s.dispensings)
	return out, nil
}

// SetDispensings replaces them.
func (s *Session) SetDispensings(d indicator.Dispensings) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dispensings = indicator.Dispensings{}
	s.dispensings.Merge(d)
	return nil
}
