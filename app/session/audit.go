package session

import (
	"fmt"

	"comptoir/store"
)

// Audit reads the audit journal (ECO.4.1.x), newest first, as filtered (store.AuditQuery).
func (s *Session) Audit(f store.AuditFilter) ([]store.AuditEntry, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	es, err := s.st.AuditQuery(f)
	if err != nil {
		return nil, fmt.Errorf("session: audit: %w", err)
	}
	return es, nil
}
