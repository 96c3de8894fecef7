package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"comptoir/app/indicator"
	"comptoir/mail/patient"
	"comptoir/store"
)

// Patients lists the patients of the cache, by display name. Records whose INS no longer
// parses are skipped (logged).
func (s *Session) Patients() ([]patient.Patient, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	recs, err := s.st.Patients()
	if err != nil {
		return nil, fmt.Errorf("session: patients: %w", err)
	}
	out := make([]patient.Patient, 0, len(recs))
	for _, r := range recs {
		p, err := patient.FromRecord(patient.Record(r))
		if err != nil {
			s.cfg.Logger.Warn("skip a stored patient", "err", err)
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
	if err := s.check(); err != nil {
		return err
	}
	rec := store.Patient(p.Record())
	rec.Created = s.cfg.Now()
	if old, err := s.st.Patient(rec.INS); err == nil && !old.Created.IsZero() {
		rec.Created = old.Created
	}
	if err := s.st.PutPatient(rec); err != nil {
		return fmt.Errorf("session: put patient: %w", err)
	}
	return nil
}

// PatientMessage is one message about a patient, with where it sits.
type PatientMessage struct {
	store.Envelope
	BALKind      string
	Sent         bool
	Confidential bool
}

// PatientMessages lists the messages of a patient across the session's BALs, newest first:
// those the cache links to the INS and those sent to the patient's address.
func (s *Session) PatientMessages(ins string) ([]PatientMessage, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	es, err := s.st.ByPatient(ins)
	if err != nil {
		return nil, fmt.Errorf("session: patient messages: %w", err)
	}
	addr := strings.ToLower(ins + "@" + patient.Domain)
	sent, err := s.st.Search(store.Query{Text: ins, Limit: 1000})
	if err != nil {
		return nil, fmt.Errorf("session: patient messages: %w", err)
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
	for _, b := range s.BALs() {
		kinds[b.Address] = b.Kind
	}
	seen := map[store.Ref]bool{}
	var out []PatientMessage
	for _, e := range es {
		if seen[e.Ref] || kinds[e.BAL] == "" {
			continue // another holder's BAL left in the cache: not this session's to show
		}
		seen[e.Ref] = true
		out = append(out, PatientMessage{Envelope: e, BALKind: kinds[e.BAL],
			Sent: strings.EqualFold(e.From.Email, e.BAL), Confidential: e.Confidential})
	}
	slices.SortStableFunc(out, func(a, b PatientMessage) int { return b.Date.Compare(a.Date) })
	return out, nil
}

// Confidential reports whether the sender marked the message confidential (Sensitivity).
func (s *Session) Confidential(ref store.Ref) bool {
	if s.check() != nil {
		return false
	}
	e, err := s.st.Envelope(ref)
	return err == nil && e.Confidential
}

// Summaries describes every message of the session's BALs for the indicator: drafts and
// junk left out, a message present in several folders or BALs counted once per direction.
func (s *Session) Summaries() ([]indicator.Summary, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	type key struct {
		id   string
		sent bool
	}
	seen := map[key]bool{}
	var out []indicator.Summary
	for _, b := range s.BALs() {
		fs, err := s.st.Folders(b.Address)
		if err != nil {
			return nil, fmt.Errorf("session: summaries: %w", err)
		}
		for _, f := range fs {
			if f.SpecialUse == `\Drafts` || f.SpecialUse == `\Junk` {
				continue
			}
			for off := 0; ; off += 1000 {
				page, err := s.st.Page(b.Address, f.Name, off, 1000)
				if err != nil {
					return nil, fmt.Errorf("session: summaries: %w", err)
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

// ReplyTemplates are the editable reply templates (the defaults until edited).
func (s *Session) ReplyTemplates() ([]patient.Template, error) {
	raw, err := s.setting(store.KeyReplyTemplates)
	if err != nil || raw == nil {
		return patient.DefaultTemplates(), err
	}
	return patient.UnmarshalTemplates(raw)
}

// SetReplyTemplates keeps the edited templates.
func (s *Session) SetReplyTemplates(ts []patient.Template) error {
	raw, err := patient.MarshalTemplates(ts)
	if err != nil {
		return err
	}
	return s.setSetting(store.KeyReplyTemplates, raw)
}

// Dispensings are the indicator's dispensings per month, as typed or imported.
func (s *Session) Dispensings() (indicator.Dispensings, error) {
	d := indicator.Dispensings{}
	raw, err := s.setting(store.KeyDispensings)
	if err != nil || raw == nil {
		return d, err
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return indicator.Dispensings{}, fmt.Errorf("session: dispensings: %w", err)
	}
	return d, nil
}

// SetDispensings keeps the dispensings per month.
func (s *Session) SetDispensings(d indicator.Dispensings) error {
	raw, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("session: dispensings: %w", err)
	}
	return s.setSetting(store.KeyDispensings, raw)
}

func (s *Session) setting(key string) ([]byte, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	v, err := s.st.Setting(key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("session: setting: %w", err)
	}
	return v, nil
}

func (s *Session) setSetting(key string, v []byte) error {
	if err := s.check(); err != nil {
		return err
	}
	if err := s.st.SetSetting(key, v); err != nil {
		return fmt.Errorf("session: setting: %w", err)
	}
	return nil
}

// contactsTTL is how long the correspondents list is reused before it is rebuilt.
const contactsTTL = time.Minute

// Correspondents suggests addresses seen in the recent mail of every BAL.
func (s *Session) Correspondents(prefix string, limit int) []store.Address {
	if s.check() != nil {
		return nil
	}
	s.mu.Lock()
	if s.contacts == nil || s.cfg.Now().Sub(s.contactsAt) > contactsTTL {
		s.mu.Unlock()
		all := s.loadContacts()
		s.mu.Lock()
		s.contacts, s.contactsAt = all, s.cfg.Now()
	}
	all := s.contacts
	s.mu.Unlock()
	q := store.Fold(strings.TrimSpace(prefix))
	var out []store.Address
	for _, a := range all {
		if strings.Contains(store.Fold(a.Name), q) || strings.HasPrefix(strings.ToLower(a.Email), strings.ToLower(q)) {
			out = append(out, a)
			if len(out) == limit {
				break
			}
		}
	}
	return out
}

func (s *Session) loadContacts() []store.Address {
	seen := map[string]bool{}
	mine := map[string]bool{}
	bals := s.BALs()
	for _, b := range bals {
		mine[strings.ToLower(b.Address)] = true
	}
	out := []store.Address{}
	add := func(a store.Address) {
		k := strings.ToLower(a.Email)
		if k == "" || seen[k] || mine[k] {
			return
		}
		seen[k] = true
		out = append(out, a)
	}
	for _, b := range bals {
		fs, _ := s.st.Folders(b.Address)
		for _, f := range fs {
			page, err := s.st.Page(b.Address, f.Name, 0, 300)
			if err != nil {
				continue
			}
			for _, e := range page {
				add(e.From)
				for _, a := range e.To {
					add(a)
				}
				for _, a := range e.Cc {
					add(a)
				}
			}
		}
	}
	return out
}
