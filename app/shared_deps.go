package app

import (
	"errors"
	"time"
)

// SharedMailbox is optionally implemented by a Session: what a team does on the messages
// of a shared BAL. The changes show at once here and at every other counter after its
// next synchronisation.
type SharedMailbox interface {
	// MarkHandled marks a message « traité » (on) or takes the mark off, naming the holder.
	MarkHandled(ref Ref, on bool) error
	MarkUnread(ref Ref) error
	Deleter                // to the BAL's Trash
	Archive(ref Ref) error // to the BAL's archive folder
}

// EnvelopeReader is optionally implemented by a Session: one message's row, read from the
// cache without parsing the message (the reader follows changes made at other counters).
type EnvelopeReader interface {
	Envelope(ref Ref) (Envelope, error)
}

// Outbox is optionally implemented by a Session: the messages waiting to be sent, which
// can be cancelled or taken back to edit until they are handed to the operator.
type Outbox interface {
	Outbox() ([]OutboxEntry, error)
	// CancelOutbox removes a message not yet submitted: ErrAlreadySubmitted once it is (or
	// may be) at the operator, ErrNotInOutbox when it left the outbox meanwhile.
	CancelOutbox(id string) error
	// EditOutbox removes it as CancelOutbox does and returns it as a draft.
	EditOutbox(id string) (Draft, error)
}

// OutboxEntry is one waiting message.
type OutboxEntry struct {
	ID, BAL     string
	To          []string
	Subject     string
	Queued      time.Time
	Submitted   bool   // at the operator, being filed in Sent
	Attempts    int    // submissions tried
	Refused     string // the operator's refusal, "" unless refused for good
	Cancellable bool
}

// Outbox errors.
var (
	ErrAlreadySubmitted = errors.New("app: the message was already handed to the operator")
	ErrNotInOutbox      = errors.New("app: the message is no longer in the outbox")
)

// DraftList is optionally implemented by a Session that keeps several drafts per BAL
// (Draft.DraftID names each): "Nouveau message" reopens the newest one no composer shows.
type DraftList interface {
	Drafts(bal string) []Draft // newest first
	DeleteDraft(bal, id string) error
}
