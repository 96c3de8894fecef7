package app

import "comptoir/mail"

// earlyEvents keeps, while the main window is not open yet (the holder screen), the state
// the session's events carry, so the window opens with each BAL's connection, the outbox and
// the last sync as they are, not as « Connexion… ». Only the latest state of each kind is
// kept: the holder screen may stay open for hours of sync progress.
type earlyEvents struct {
	conn   map[string]mail.Event // BAL → its last Online or Offline
	order  []string              // BALs in the order first seen, for a stable replay
	outbox *mail.OutboxCount
	synced *mail.Synced
}

func (e *earlyEvents) keep(ev mail.Event) {
	switch x := ev.(type) {
	case mail.Online:
		e.conn1(x.BAL, x)
	case mail.Offline:
		e.conn1(x.BAL, x)
	case mail.OutboxCount:
		e.outbox = &x
	case mail.Synced:
		e.synced = &x
	}
}

func (e *earlyEvents) conn1(bal string, ev mail.Event) {
	if e.conn == nil {
		e.conn = map[string]mail.Event{}
	}
	if _, ok := e.conn[bal]; !ok {
		e.order = append(e.order, bal)
	}
	e.conn[bal] = ev
}

// replay gives the kept state as events to apply to the main window.
func (e *earlyEvents) replay() []mail.Event {
	var out []mail.Event
	for _, bal := range e.order {
		out = append(out, e.conn[bal])
	}
	if e.outbox != nil {
		out = append(out, *e.outbox)
	}
	if e.synced != nil {
		out = append(out, *e.synced)
	}
	return out
}
