package bridge

import (
	"errors"
	"fmt"

	"comptoir/app"
	"comptoir/app/session"
	"comptoir/mail/msg"
)

// SetHealthDocuments makes docs the health documents of d about the patient ins of the book
// (session.AddHealthDocuments: CDA R2 level 1 in IHE XDM, authored by the card holder).
func (s *Session) SetHealthDocuments(d *app.Draft, ins string, docs []app.HealthDocument) error {
	hd := make([]msg.HealthDocument, len(docs))
	for i, x := range docs {
		hd[i] = msg.HealthDocument{Type: x.Type, Title: x.Title, PDF: x.PDF}
	}
	md := msgDraft(*d)
	if err := s.s.AddHealthDocuments(&md, ins, hd...); err != nil {
		if errors.Is(err, session.ErrNoAuthorProfession) {
			return fmt.Errorf("%w: %w", app.ErrNotAuthor, err)
		}
		return locked(err)
	}
	d.Documents, d.Patient = md.Documents, md.Patient
	return nil
}

var _ app.HealthDocuments = (*Session)(nil)
