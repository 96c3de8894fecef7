package bridge

import (
	"strings"

	"comptoir/app"
	"comptoir/app/indicator"
	"comptoir/mail/msg"
	"comptoir/mail/patient"
)

// Patients lists the patients of the cache, by display name.
func (s *Session) Patients() ([]patient.Patient, error) {
	ps, err := s.s.Patients()
	return ps, locked(err)
}

// PutPatient creates or updates a patient.
func (s *Session) PutPatient(p patient.Patient) error { return locked(s.s.PutPatient(p)) }

// PatientMessages lists the messages of a patient across the session's BALs, newest first.
func (s *Session) PatientMessages(ins string) ([]app.PatientMessage, error) {
	ms, err := s.s.PatientMessages(ins)
	if err != nil {
		return nil, locked(err)
	}
	out := make([]app.PatientMessage, len(ms))
	for i, m := range ms {
		out[i] = app.PatientMessage{Envelope: envelope(m.Envelope), BALKind: m.BALKind, Sent: m.Sent, Confidential: m.Confidential}
	}
	return out, nil
}

// Confidential reports whether the sender marked the message confidential.
func (s *Session) Confidential(ref app.Ref) bool { return s.s.Confidential(storeRef(ref)) }

// Summaries describes every message of the session's BALs for the indicator.
func (s *Session) Summaries() ([]indicator.Summary, error) {
	sums, err := s.s.Summaries()
	return sums, locked(err)
}

// ReplyTemplates are the editable reply templates.
func (s *Session) ReplyTemplates() ([]patient.Template, error) { return s.s.ReplyTemplates() }

// SetReplyTemplates keeps the edited templates.
func (s *Session) SetReplyTemplates(ts []patient.Template) error {
	return locked(s.s.SetReplyTemplates(ts))
}

// Dispensings are the indicator's dispensings per month.
func (s *Session) Dispensings() (indicator.Dispensings, error) { return s.s.Dispensings() }

// SetDispensings keeps the dispensings per month.
func (s *Session) SetDispensings(d indicator.Dispensings) error {
	return locked(s.s.SetDispensings(d))
}

var _ app.PatientBook = (*Session)(nil)

// explainBounces adds, for each failed Mon Espace Santé recipient, what the failure means
// in plain French (patient.ExplainBounce).
func explainBounces(r *msg.Report) string {
	var b strings.Builder
	for _, rr := range r.Recipients {
		if rr.Action == "failed" && patient.IsAddress(rr.Recipient) {
			b.WriteString(" ")
			b.WriteString(patient.ExplainBounce(rr.Status, rr.Diagnostic))
		}
	}
	return b.String()
}
