package memsession

import (
	"context"
	"sync"

	"comptoir/app"
)

// PIN is the card's PIN, as on the demo cards.
const PIN = "1234"

// Cards is one reader holding one card whose login opens a session made by open. Safe for
// concurrent use.
type Cards struct {
	Label string // the card's token label

	mu       sync.Mutex
	open     func() *Session
	present  bool
	last     *Session
	logins   int
	watchers []chan app.CardEvent
}

// NewCards returns a reader with the card inserted; each login opens a session from open.
func NewCards(label string, open func() *Session) *Cards {
	return &Cards{Label: label, open: open, present: true}
}

func (c *Cards) reader() app.Reader {
	r := app.Reader{Slot: 0, Description: "Lecteur de test", CardPresent: c.present}
	if c.present {
		r.Label = c.Label
	}
	return r
}

// Readers lists the one reader.
func (c *Cards) Readers(context.Context) ([]app.Reader, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return []app.Reader{c.reader()}, nil
}

// Watch reports Pull and Insert until ctx ends.
func (c *Cards) Watch(ctx context.Context) <-chan app.CardEvent {
	ch := make(chan app.CardEvent, 16)
	c.mu.Lock()
	c.watchers = append(c.watchers, ch)
	c.mu.Unlock()
	go func() {
		<-ctx.Done()
		c.mu.Lock()
		defer c.mu.Unlock()
		for i, w := range c.watchers {
			if w == ch {
				c.watchers = append(c.watchers[:i], c.watchers[i+1:]...)
				close(ch)
				return
			}
		}
	}()
	return ch
}

// Login checks pin (PIN) and opens a session.
func (c *Cards) Login(_ context.Context, _ uint, pin []byte) (app.Session, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.present {
		return nil, app.ErrNoCard
	}
	if string(pin) != PIN {
		return nil, &app.PINError{CountLow: true, Message: "Code PIN incorrect. Il vous reste 2 essais."}
	}
	c.logins++
	c.last = c.open()
	return c.last, nil
}

// Session is the session the last login opened (nil before).
func (c *Cards) Session() *Session {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

// Logins counts the successful logins.
func (c *Cards) Logins() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.logins
}

// Pull takes the card out: the open session's Removed closes, the watchers are told.
func (c *Cards) Pull() {
	c.mu.Lock()
	c.present = false
	s := c.last
	c.notify(false)
	c.mu.Unlock()
	if s != nil {
		s.Pull()
	}
}

// Insert puts the card back.
func (c *Cards) Insert() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.present = true
	c.notify(true)
}

func (c *Cards) notify(inserted bool) {
	ev := app.CardEvent{Inserted: inserted, Reader: c.reader()}
	for _, w := range c.watchers {
		select {
		case w <- ev:
		default: // a watcher that lags re-reads the readers anyway
		}
	}
}
