package mail

import (
	"context"
	"errors"
	"fmt"
	"time"

	"comptoir/mail/msg"
	"comptoir/store"
)

// ErrNotMyBAL means a draft's sender is not one of the engine's BALs.
var ErrNotMyBAL = errors.New("mail: the sender is not a BAL of this session")

// Send builds the draft with the MSSanté rules (msg.Build), stores it durably in the outbox,
// and lets the BAL's worker submit it (now if online, else on reconnection). Warnings of the
// build (recipients outside the trust space…) are the caller's to confirm before Send.
func (e *Engine) Send(ctx context.Context, d msg.Draft) (outboxID string, err error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if e.worker(d.From.Email) == nil {
		return "", fmt.Errorf("%w: %s", ErrNotMyBAL, d.From.Email)
	}
	b, err := e.Prepare(d)
	if err != nil {
		return "", err
	}
	return e.QueueBuilt(d.From.Email, b)
}

// Prepare builds the draft with the MSSanté rules without queuing it, so the caller can show
// the build's warnings and ask for confirmation.
func (e *Engine) Prepare(d msg.Draft) (*msg.Built, error) {
	return msg.Build(d, msg.BuildOptions{NIL: e.cfg.NIL, Now: time.Now(), Trust: e.trust.Load()})
}

// SetTrust replaces the trust-space list the next builds check recipients against (a
// refreshed list; nil: recipients are not checked, a warning).
func (e *Engine) SetTrust(t *msg.TrustList) { e.trust.Store(t) }

// QueueBuilt stores a prepared message in the outbox of bal.
func (e *Engine) QueueBuilt(bal string, b *msg.Built) (string, error) {
	return e.Queue(outgoingOf(bal, b))
}

func outgoingOf(bal string, b *msg.Built) Outgoing {
	o := Outgoing{BAL: bal, MessageID: b.MessageID, From: b.From, To: b.Recipients, Raw: b.Raw}
	if b.DSN != nil {
		o.DSN = &DSN{Notify: b.DSN.Notify, Return: b.DSN.Return, EnvelopeID: b.DSN.EnvelopeID}
	}
	return o
}

// SendMDN queues an RFC 8098 read receipt for a message whose sender asked for one. The UI
// asks the user first (always when msg.Parsed.MDNRequest.MustAsk).
func (e *Engine) SendMDN(ref store.Ref, me msg.Address) (string, error) {
	raw, err := e.cfg.Store.Body(ref)
	if err != nil {
		return "", fmt.Errorf("mail: MDN: %w", err)
	}
	p, err := msg.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("mail: MDN: %w", err)
	}
	b, err := msg.BuildMDNMessage(p, me, msg.BuildOptions{NIL: e.cfg.NIL, Now: time.Now()})
	if err != nil {
		return "", err
	}
	id, err := e.Queue(outgoingOf(ref.BAL, b))
	e.audit(ref.BAL, ActionMDN, fmt.Sprintf("MDN for %s UID %d Message-ID <%s>", ref.Folder, ref.UID, p.MessageID), "queued <"+b.MessageID+">", err)
	return id, err
}
