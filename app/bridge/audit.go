package bridge

import (
	"comptoir/app"
	"comptoir/store"
)

// Audit reads the audit journal for the journal screen.
func (s *Session) Audit(f app.AuditFilter) ([]app.AuditEntry, error) {
	es, err := s.s.Audit(store.AuditFilter{From: f.From, To: f.To, Author: f.Author, BAL: f.BAL, Action: f.Action, Limit: f.Limit})
	if err != nil {
		return nil, locked(err)
	}
	out := make([]app.AuditEntry, len(es))
	for i, e := range es {
		out[i] = app.AuditEntry(e)
	}
	return out, nil
}

// Author is how the journal names the session's holder.
func (s *Session) Author() string { return s.s.Author() }

var _ app.AuditJournal = (*Session)(nil)
