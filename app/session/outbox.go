package session

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"comptoir/mail"
	"comptoir/mail/msg"
)

// OutboxEntry is a message waiting in the outbox, as the outbox window lists it.
type OutboxEntry struct {
	ID, BAL   string
	To        []string // envelope recipients
	Subject   string   // shown form (no XDM prefix)
	Queued    time.Time
	Submitted bool   // handed to the operator, being filed in Sent
	Attempts  int    // submissions tried
	Refused   string // the operator refused it for good (its reply), "" otherwise
	// Cancellable: not handed to the operator yet, nor possibly (an attempt whose outcome
	// is unknown); CancelOutbox may take it out.
	Cancellable bool
}

// Outbox-item last errors the engine writes (see mail/outbox.go).
const (
	outboxSubmitting = "submitting"
	outboxRefused    = "refused: "
)

// Outbox lists the messages not yet acknowledged, in queue order.
func (s *Session) Outbox() ([]OutboxEntry, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	items, err := s.st.Outbox()
	if err != nil {
		return nil, fmt.Errorf("session: outbox: %w", err)
	}
	out := make([]OutboxEntry, 0, len(items))
	for _, it := range items {
		e := OutboxEntry{ID: it.ID, BAL: it.BAL, To: it.To, Queued: it.Queued, Submitted: it.Submitted, Attempts: it.Attempts,
			Cancellable: !it.Submitted && it.LastError != outboxSubmitting}
		if r, ok := strings.CutPrefix(it.LastError, outboxRefused); ok {
			e.Refused = r
		}
		if p, err := msg.Parse(it.Raw); err == nil {
			e.Subject = p.DisplaySubject()
		}
		out = append(out, e)
	}
	return out, nil
}

// CancelOutbox takes a message out of the outbox before it is submitted (mail.ErrSubmitted
// once it is, or may be, at the operator; mail.ErrNoOutboxItem when it left meanwhile).
func (s *Session) CancelOutbox(id string) error {
	if err := s.check(); err != nil {
		return err
	}
	if _, err := s.eng.CancelOutbox(id); err != nil {
		return fmt.Errorf("session: cancel: %w", err)
	}
	return nil
}

// EditOutbox takes a message out of the outbox, as CancelOutbox, and returns it as a draft
// to edit and send again. A message that cannot be read back stays in the outbox.
func (s *Session) EditOutbox(id string) (msg.Draft, error) {
	if err := s.check(); err != nil {
		return msg.Draft{}, err
	}
	items, err := s.st.Outbox()
	if err != nil {
		return msg.Draft{}, fmt.Errorf("session: edit: %w", err)
	}
	var d msg.Draft
	found := false
	for _, it := range items {
		if it.ID != id {
			continue
		}
		p, err := msg.Parse(it.Raw)
		if err != nil {
			return msg.Draft{}, fmt.Errorf("session: edit: %w", err)
		}
		d, found = msg.Redraft(p, it.To), true
		d.From = msg.Address{Email: it.BAL}
	}
	if !found {
		return msg.Draft{}, fmt.Errorf("session: edit: %w", mail.ErrNoOutboxItem)
	}
	dsn := s.eng.OutboxDSN(id)
	if _, err := s.eng.CancelOutbox(id); err != nil {
		return msg.Draft{}, fmt.Errorf("session: edit: %w", err)
	}
	d.RequestDSN = dsn != nil && len(dsn.Notify) > 0 && !strings.EqualFold(dsn.Notify[0], "NEVER")
	return d, nil
}

// IsSubmitted reports whether err says the message is already at the operator.
func IsSubmitted(err error) bool { return errors.Is(err, mail.ErrSubmitted) }
