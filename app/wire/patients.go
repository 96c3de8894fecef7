package wire

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"comptoir/app"
	"comptoir/app/indicator"
	"comptoir/mail/msg"
	"comptoir/mail/patient"
	"comptoir/store"
)

// Patients lists the patients of the cache, by display name. Records whose INS no longer
// parses are skipped (logged).
func (s *Session) Patients() ([]patient.Patient, error) {
	recs, err := s.st.Patients()
	if err != nil {
		return nil, fmt.Errorf("wire: patients: %w", err)
	}
	out := make([]patient.Patient, 0, len(recs))
	for _, r := range recs {
		p, err := patient.FromRecord(patient.Record(r))
		if err != nil {
			s.o.Logger.Warn("skip a stored patient", "err", err)
			continue
		}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b patient.Patient) int {
		return strings.Compare(store.Fold(a.DisplayName()), store.Fold(b.DisplayName()))
	})
	return out, nil
}

// PutPatient creates or updates a patient, keeping the creation date of a known one.
func (s *Session) PutPatient(p patient.Patient) error {
	rec := store.Patient(p.Record())
	rec.Created = time.Now()
	if old, err := s.st.Patient(rec.INS); err == nil && !old.Created.IsZero() {
		rec.Created = old.Created
	}
	if err := s.st.PutPatient(rec); err != nil {
		return fmt.Errorf("wire: put patient: %w", err)
	}
	return nil
}

// PatientMessages lists the messages of a patient across the session's BALs, newest
// first: those the cache links to the INS and those sent to the patient's address.
func (s *Session) PatientMessages(ins string) ([]app.PatientMessage, error) {
	es, err := s.st.ByPatient(ins)
	if err != nil {
		return nil, fmt.Errorf("wire: patient messages: %w", err)
	}
	addr := strings.ToLower(ins + "@" + patient.Domain)
	sent, err := s.st.Search(store.Query{Text: ins, Limit: 1000})
	if err != nil {
		return nil, fmt.Errorf("wire: patient messages: %w", err)
	}
	for _, e := range sent {
		for _, a := range append(slices.Clone(e.To), e.Cc...) {
			if strings.EqualFold(a.Email, addr) {
				es = append(es, e)
				break
			}
		}
	}
	kinds := map[string]string{}
	for _, b := range s.bals {
		kinds[b.Address] = b.Kind
	}
	seen := map[store.Ref]bool{}
	var out []app.PatientMessage
	for _, e := range es {
		if seen[e.Ref] || kinds[e.BAL] == "" {
			continue // another holder's BAL left in the cache: not this session's to show
		}
		seen[e.Ref] = true
		out = append(out, app.PatientMessage{Envelope: envelope(e), BALKind: kinds[e.BAL],
			Sent: strings.EqualFold(e.From.Email, e.BAL), Confidential: e.Confidential})
	}
	slices.SortStableFunc(out, func(a, b app.PatientMessage) int { return b.Date.Compare(a.Date) })
	return out, nil
}

// Confidential reports whether the sender marked the message confidential (Sensitivity).
func (s *Session) Confidential(ref app.Ref) bool {
	e, err := s.st.Envelope(store.Ref{BAL: ref.BAL, Folder: ref.Folder, UID: ref.UID})
	return err == nil && e.Confidential
}

// Summaries describes every message of the session's BALs for the indicator: drafts and
// junk left out, a message present in several folders or BALs counted once per direction.
func (s *Session) Summaries() ([]indicator.Summary, error) {
	type key struct {
		id   string
		sent bool
	}
	seen := map[key]bool{}
	var out []indicator.Summary
	for _, b := range s.bals {
		fs, err := s.st.Folders(b.Address)
		if err != nil {
			return nil, fmt.Errorf("wire: summaries: %w", err)
		}
		for _, f := range fs {
			if f.SpecialUse == `\Drafts` || f.SpecialUse == `\Junk` {
				continue
			}
			for off := 0; ; off += 1000 {
				page, err := s.st.Page(b.Address, f.Name, off, 1000)
				if err != nil {
					return nil, fmt.Errorf("wire: summaries: %w", err)
				}
				for _, e := range page {
					sent := f.SpecialUse == `\Sent` || strings.EqualFold(e.From.Email, b.Address)
					counterpart := e.From.Email
					if sent {
						counterpart = ""
						if len(e.To) > 0 {
							counterpart = e.To[0].Email
						}
					}
					k := key{e.MessageID, sent}
					if e.MessageID != "" && seen[k] {
						continue
					}
					seen[k] = true
					out = append(out, indicator.SummaryOf(e.Date, sent, counterpart, e.Kind == "dsn" || e.Kind == "mdn"))
				}
				if len(page) < 1000 {
					break
				}
			}
		}
	}
	return out, nil
}

// Setting reads an encrypted setting of the cache; nil when absent.
func (s *Session) Setting(key string) ([]byte, error) {
	v, err := s.st.Setting(key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("wire: setting %s: %w", key, err)
	}
	return v, nil
}

// SetSetting writes an encrypted setting of the cache.
func (s *Session) SetSetting(key string, v []byte) error {
	if err := s.st.SetSetting(key, v); err != nil {
		return fmt.Errorf("wire: setting %s: %w", key, err)
	}
	return nil
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
