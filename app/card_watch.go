package app

import (
	"context"
	"sync"
)

// start lists the readers, then follows insertions and removals.
func (c *CardScreen) start(ctx context.Context) {
	cards := c.u.deps.Cards
	show := &readerListing{c: c}
	go func() {
		refresh := func(inserted bool) {
			rs, err := cards.Readers(ctx)
			if err != nil {
				c.u.log.Warn("list readers", "err", err)
			}
			show.post(rs, err, inserted)
		}
		refresh(false)
		events := cards.Watch(ctx)
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-events:
				if !ok {
					return
				}
				refresh(ev.Inserted)
			}
		}
	}()
}

// readerListing hands the latest reader listing to the UI goroutine, once however many
// came while it was busy: at start-up the watcher reports every card present as inserted,
// each event lists the readers again, and the window is not up yet (about 0.3 s). Showing
// each listing in turn rebuilt the reader choice four or five times before the user could
// type the PIN.
type readerListing struct {
	c *CardScreen

	mu       sync.Mutex
	queued   bool // a UI job will show the latest listing
	readers  []Reader
	err      error
	inserted bool // the latest event was a card coming in
}

func (l *readerListing) post(rs []Reader, err error, inserted bool) {
	l.mu.Lock()
	l.readers, l.err, l.inserted = rs, err, inserted
	queue := !l.queued
	l.queued = true
	l.mu.Unlock()
	if queue {
		l.c.u.deps.Do(l.show)
	}
}

// show runs on the UI goroutine.
func (l *readerListing) show() {
	l.mu.Lock()
	rs, err, inserted := l.readers, l.err, l.inserted
	l.queued = false
	l.mu.Unlock()
	c := l.c
	c.setReaders(rs, err)
	if inserted && c.cardReason {
		c.cardReason = false // the card is back: what the screen asks now is the PIN
		c.Reason.Hide()
	}
}
