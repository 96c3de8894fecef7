// Package bridge is the app's Deps over the session core (app/session): it converts between
// the session's types (store, mail/msg, cps) and the screens' (package app), and adds nothing
// else. Logins, BALs, drafts, provisioning and diagnostics are the session's; the screens see
// them through the interfaces of package app so that screen tests can use an in-memory
// session instead.
package bridge

import (
	"context"
	"errors"
	"fmt"
	"time"

	"comptoir/app"
	"comptoir/app/session"
	"comptoir/cps"
)

// Options configure the card layer and what a login opens.
type Options struct {
	Module  *cps.Module
	Session session.Config
	// WatchEvery is the card polling period (cps.DefaultWatchInterval when 0).
	WatchEvery time.Duration
}

// Cards implements app.Cards over a cps.Module and the session core.
type Cards struct{ o Options }

// NewCards returns the card layer.
func NewCards(o Options) *Cards { return &Cards{o: o} }

// Config is the session configuration logins use.
func (c *Cards) Config() session.Config { return c.o.Session }

// Module is the card module.
func (c *Cards) Module() *cps.Module { return c.o.Module }

func appReader(r cps.Reader) app.Reader {
	return app.Reader{Slot: r.Slot, Description: r.Description, CardPresent: r.CardPresent, Label: r.Label}
}

// Readers lists the card readers.
func (c *Cards) Readers(ctx context.Context) ([]app.Reader, error) {
	rs, err := c.o.Module.Readers(ctx)
	if err != nil {
		return nil, fmt.Errorf("bridge: readers: %w", err)
	}
	out := make([]app.Reader, len(rs))
	for i, r := range rs {
		out[i] = appReader(r)
	}
	return out, nil
}

// Watch relays the module's card events.
func (c *Cards) Watch(ctx context.Context) <-chan app.CardEvent {
	in := c.o.Module.Watch(ctx, c.o.WatchEvery)
	out := make(chan app.CardEvent)
	go func() {
		defer close(out)
		for ev := range in {
			select {
			case out <- app.CardEvent{Inserted: ev.Kind == cps.CardInserted, Reader: appReader(ev.Reader)}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// Login checks the PIN and opens the holder's session.
func (c *Cards) Login(ctx context.Context, slot uint, pin []byte) (app.Session, error) {
	card, err := c.o.Module.Login(ctx, slot, pin)
	if err != nil {
		return nil, loginError(err)
	}
	cred := session.CardCredential{Card: card}
	s, err := session.Open(ctx, cred, c.o.Session)
	var re *session.RenewedCardError
	if errors.As(err, &re) {
		// The card stays logged in while the holder decides: no second PIN.
		return nil, &app.RenewedCardError{Holder: card.Identity().FullName(), Err: err,
			StartAfresh: func(ctx context.Context) (app.Session, string, error) {
				s, aside, err := session.StartAfresh(ctx, cred, c.o.Session)
				if err != nil {
					card.Close()
					return nil, "", err
				}
				s.Start()
				return &Session{s: s}, aside, nil
			},
			Cancel: func() { card.Close() }}
	}
	if err != nil {
		card.Close()
		return nil, err
	}
	s.Start()
	return &Session{s: s}, nil
}

// loginError keeps the card's French message and the PIN state the screen acts on.
func loginError(err error) error {
	var pe *cps.PINError
	switch {
	case errors.As(err, &pe):
		return &app.PINError{Locked: pe.State.Locked || errors.Is(err, cps.ErrPINLocked),
			FinalTry: pe.State.FinalTry, CountLow: pe.State.CountLow, Message: cps.UserMessage(err), Err: err}
	case errors.Is(err, cps.ErrPINLocked):
		return &app.PINError{Locked: true, Message: cps.UserMessage(err), Err: err}
	case errors.Is(err, cps.ErrPINIncorrect):
		return &app.PINError{Message: cps.UserMessage(err), Err: err}
	case errors.Is(err, cps.ErrNoCard), errors.Is(err, cps.ErrCardRemoved):
		return errors.Join(app.ErrNoCard, err)
	}
	return fmt.Errorf("bridge: card login: %w", err)
}
