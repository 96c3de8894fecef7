package session

import (
	"context"
	"fmt"
	"slices"

	"comptoir/mail/msg"
	"comptoir/store"
)

// FlagMDNSent marks a message whose read receipt was sent (the usual IMAP keyword).
const FlagMDNSent = "$MDNSent"

// Parsed reads a message of the cache and parses it.
func (s *Session) Parsed(ref store.Ref) (store.Envelope, *msg.Parsed, error) {
	if err := s.check(); err != nil {
		return store.Envelope{}, nil, err
	}
	env, err := s.st.Envelope(ref)
	if err != nil {
		return env, nil, fmt.Errorf("session: envelope: %w", err)
	}
	raw, err := s.st.Body(ref)
	if err != nil {
		return env, nil, fmt.Errorf("session: body: %w", err)
	}
	p, err := msg.Parse(raw)
	if err != nil {
		return env, nil, fmt.Errorf("session: parse: %w", err)
	}
	return env, p, nil
}

// From is the From of messages sent from bal, with its ECO.2.2.7 display name.
func (s *Session) From(bal string) msg.Address {
	b, ok := s.BAL(bal)
	if !ok {
		return msg.Address{Email: bal}
	}
	return s.Identity().From(bal, b.Kind, b.DisplayName)
}

// SetSituation chooses the practice situation the holder works in (its entity goes into the
// From display name of a personal BAL).
func (s *Session) SetSituation(i int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i >= 0 && i < len(s.id.Situations) {
		s.id.Situation = i
	}
}

// ErrNotSendable: the BAL is not one this session may send from (unknown, pending, retired,
// or an APP BAL without its structure certificate).
type ErrNotSendable struct{ BAL BAL }

func (e *ErrNotSendable) Error() string {
	return fmt.Sprintf("session: cannot send from %s (status %s)", e.BAL.Address, e.BAL.Status)
}

// Prepare builds d as it will travel (From set by the session) and returns it with the
// warnings the user must confirm (outside the trust space, INS not qualified…).
func (s *Session) Prepare(d msg.Draft) (*msg.Built, error) {
	if err := s.sendable(d.From.Email); err != nil {
		return nil, err
	}
	d.From = s.From(d.From.Email)
	return s.eng.Prepare(d)
}

func (s *Session) sendable(bal string) error {
	if err := s.check(); err != nil {
		return err
	}
	b, ok := s.BAL(bal)
	if !ok {
		return &ErrNotSendable{BAL: BAL{Address: bal}}
	}
	if !b.Syncable() {
		return &ErrNotSendable{BAL: b}
	}
	return nil
}

// Send queues d durably (the engine submits it when online). d.From.Email names the BAL;
// its display name is the session's. The caller forgets the draft it came from
// (DeleteDraft) and marks its origin (MarkOrigin).
func (s *Session) Send(ctx context.Context, d msg.Draft) (string, error) {
	if err := s.sendable(d.From.Email); err != nil {
		return "", err
	}
	d.From = s.From(d.From.Email)
	id, err := s.eng.Send(ctx, d)
	if err != nil {
		return "", fmt.Errorf("session: send: %w", err)
	}
	return id, nil
}

// ReplyDraft prepares a reply with the threading headers.
func (s *Session) ReplyDraft(ref store.Ref, all bool) (msg.Draft, error) {
	_, p, err := s.Parsed(ref)
	if err != nil {
		return msg.Draft{}, err
	}
	d := msg.Reply(p, all, ref.BAL)
	d.From = s.From(ref.BAL)
	s.fromBook(&d)
	return d, nil
}

// ForwardDraft prepares a forward with the attachments and the health documents; the
// patient's qualification comes from the patient book (ReplyDraft too).
func (s *Session) ForwardDraft(ref store.Ref) (msg.Draft, error) {
	_, p, err := s.Parsed(ref)
	if err != nil {
		return msg.Draft{}, err
	}
	d := msg.Forward(p)
	d.From = s.From(ref.BAL)
	s.fromBook(&d)
	return d, nil
}

// MarkRead marks a message read (audited by the engine).
func (s *Session) MarkRead(ref store.Ref) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.eng.MarkRead(ref)
}

// SendMDN queues the read receipt of a message and remembers it was sent.
func (s *Session) SendMDN(ref store.Ref) error {
	if err := s.check(); err != nil {
		return err
	}
	if _, err := s.eng.SendMDN(ref, s.From(ref.BAL)); err != nil {
		return fmt.Errorf("session: MDN: %w", err)
	}
	env, err := s.st.Envelope(ref)
	if err != nil {
		return fmt.Errorf("session: MDN: %w", err)
	}
	if slices.Contains(env.Flags, FlagMDNSent) {
		return nil
	}
	return s.eng.SetFlags(ref, append(env.Flags, FlagMDNSent))
}

// OutsideTrust returns the addresses outside the trust space (none without a list).
func (s *Session) OutsideTrust(addrs []string) []string {
	t := s.trust.Load()
	if t == nil {
		return nil
	}
	return t.OutsideTrust(addrs)
}

// OutboxCount is the number of messages not yet acknowledged.
func (s *Session) OutboxCount() int {
	items, err := s.st.Outbox()
	if err != nil {
		return 0
	}
	return len(items)
}

// SyncNow asks for a full pass over bal.
func (s *Session) SyncNow(bal string) {
	if s.check() == nil {
		s.eng.SyncNow(bal)
	}
}

// SyncOnce connects, runs one full pass over bal and its outbox, and logs out (`comptoir
// sync --once`). bal must be one of the session's BALs.
func (s *Session) SyncOnce(ctx context.Context, bal string) error {
	if err := s.sendable(bal); err != nil {
		return err
	}
	return s.eng.SyncOnce(ctx, bal)
}

// FlushOnce connects, submits bal's outbox and logs out (`comptoir send`).
func (s *Session) FlushOnce(ctx context.Context, bal string) error {
	if err := s.sendable(bal); err != nil {
		return err
	}
	return s.eng.FlushOnce(ctx, bal)
}
