package cps

import (
	"context"
	"time"
)

// EventKind says what happened in a reader.
type EventKind int

const (
	CardInserted EventKind = iota + 1
	CardRemoved
)

func (k EventKind) String() string {
	switch k {
	case CardInserted:
		return "inserted"
	case CardRemoved:
		return "removed"
	}
	return "unknown"
}

// Event is a card inserted into or removed from a reader. Reader describes the slot after
// an insertion and before the removal (so its Label names the card that left).
type Event struct {
	Kind   EventKind
	Reader Reader
}

// DefaultWatchInterval is Watch's polling period when given none: well under the one
// second in which a pulled card must end the session.
const DefaultWatchInterval = 250 * time.Millisecond

// Watch polls the readers every interval (DefaultWatchInterval when <= 0) and sends an
// event for each card inserted or removed, starting with a CardInserted for every card
// present at the first poll. Polling is used because tokens, SoftHSM included, do not
// implement slot events reliably. A card swapped between two polls is reported as a
// removal then an insertion. The channel is closed when ctx ends.
func (m *Module) Watch(ctx context.Context, interval time.Duration) <-chan Event {
	if interval <= 0 {
		interval = DefaultWatchInterval
	}
	ch := make(chan Event, 8)
	go func() {
		defer close(ch)
		seen := map[uint]Reader{} // slots holding a card
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if readers, err := m.Readers(ctx); err == nil {
				if !m.diff(ctx, seen, readers, ch) {
					return
				}
			}
			// A failed poll (module busy, slot list changing) is retried at the next tick
			// rather than reported as a removal.
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return ch
}

// diff sends the events between seen and readers and updates seen; false when ctx ended.
func (m *Module) diff(ctx context.Context, seen map[uint]Reader, readers []Reader, ch chan<- Event) bool {
	send := func(e Event) bool {
		select {
		case ch <- e:
			return true
		case <-ctx.Done():
			return false
		}
	}
	now := map[uint]Reader{}
	for _, r := range readers {
		if r.CardPresent {
			now[r.Slot] = r
		}
	}
	for slot, old := range seen {
		if cur, ok := now[slot]; !ok || cur.Serial != old.Serial || cur.Label != old.Label {
			delete(seen, slot)
			if !send(Event{Kind: CardRemoved, Reader: old}) {
				return false
			}
		}
	}
	for _, r := range readers {
		if _, ok := seen[r.Slot]; r.CardPresent && !ok {
			seen[r.Slot] = r
			if !send(Event{Kind: CardInserted, Reader: r}) {
				return false
			}
		}
	}
	return true
}
