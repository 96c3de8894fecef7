package bridge

import (
	"errors"

	"comptoir/app"
	"comptoir/mail"
)

// MarkHandled marks a message « traité », or takes the mark off (app.SharedMailbox).
func (s *Session) MarkHandled(ref app.Ref, on bool) error {
	return locked(s.s.MarkHandled(storeRef(ref), on))
}

// MarkUnread takes \Seen off a message.
func (s *Session) MarkUnread(ref app.Ref) error { return locked(s.s.MarkUnread(storeRef(ref))) }

// Delete moves a message to the Trash.
func (s *Session) Delete(ref app.Ref) error { return locked(s.s.Delete(storeRef(ref))) }

// Archive moves a message to the archive folder.
func (s *Session) Archive(ref app.Ref) error { return locked(s.s.Archive(storeRef(ref))) }

// Envelope is one message's row from the cache (app.EnvelopeReader).
func (s *Session) Envelope(ref app.Ref) (app.Envelope, error) {
	e, err := s.s.Store().Envelope(storeRef(ref))
	if err != nil {
		return app.Envelope{}, locked(err)
	}
	return s.withHandled(envelope(e)), nil
}

// Outbox lists the waiting messages (app.Outbox).
func (s *Session) Outbox() ([]app.OutboxEntry, error) {
	list, err := s.s.Outbox()
	if err != nil {
		return nil, locked(err)
	}
	out := make([]app.OutboxEntry, len(list))
	for i, e := range list {
		out[i] = app.OutboxEntry{ID: e.ID, BAL: e.BAL, To: e.To, Subject: e.Subject, Queued: e.Queued,
			Submitted: e.Submitted, Attempts: e.Attempts, Refused: e.Refused, Cancellable: e.Cancellable}
	}
	return out, nil
}

// CancelOutbox removes a message not yet submitted.
func (s *Session) CancelOutbox(id string) error { return outboxErr(s.s.CancelOutbox(id)) }

// EditOutbox removes a message not yet submitted and returns it as a draft.
func (s *Session) EditOutbox(id string) (app.Draft, error) {
	d, err := s.s.EditOutbox(id)
	if err != nil {
		return app.Draft{}, outboxErr(err)
	}
	return draftOf(d), nil
}

func outboxErr(err error) error {
	switch {
	case errors.Is(err, mail.ErrSubmitted):
		return errors.Join(app.ErrAlreadySubmitted, err)
	case errors.Is(err, mail.ErrNoOutboxItem):
		return errors.Join(app.ErrNotInOutbox, err)
	}
	return locked(err)
}
