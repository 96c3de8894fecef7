package mail

import (
	"sync"

	"comptoir/store"
)

// Event is what the engine tells the UI. The concrete types are below; the UI switches on
// them. Events are delivered in order and never dropped; the channel is closed by Stop.
type Event interface{ isEvent() }

// Online: the BAL's IMAP session is open and authenticated.
type Online struct{ BAL string }

// Offline: the BAL's session ended or could not open; the engine retries with backoff.
// Err wraps ErrAuthRefused when retrying cannot help.
type Offline struct {
	BAL string
	Err error
}

// Progress of a folder's synchronisation (messages stored so far out of Total).
type Progress struct {
	BAL, Folder string
	Done, Total int
}

// NewMail: messages newly stored in a folder (INBOX only after the first full sync).
type NewMail struct {
	BAL, Folder string
	UIDs        []uint32
}

// Changed: flags or expunges changed a folder's contents in the store.
type Changed struct{ BAL, Folder string }

// Submitted: the submission server accepted the message (it is not yet in Sent).
type Submitted struct{ BAL, MessageID string }

// Sent: the message was submitted and filed in Sent; it left the outbox.
type Sent struct{ BAL, MessageID string }

// OutboxCount is the number of messages waiting in the outbox.
type OutboxCount struct{ N int }

// SendFailed: the server refused the message for good (it stays in the outbox, with Err).
type SendFailed struct {
	BAL, MessageID string
	Err            error
}

// Synced: a full pass over the BAL's folders finished.
type Synced struct{ BAL string }

// BALAdded: a BAL joined the running engine (AddBAL), typically one the operator has just
// activated; its worker is connecting.
type BALAdded struct{ BAL string }

// BALRemoved: the engine stopped synchronising a BAL (RemoveBAL: the operator withdrew it).
// Its cached mail is kept.
type BALRemoved struct{ BAL string }

func (Online) isEvent()      {}
func (Offline) isEvent()     {}
func (Progress) isEvent()    {}
func (NewMail) isEvent()     {}
func (Changed) isEvent()     {}
func (Submitted) isEvent()   {}
func (Sent) isEvent()        {}
func (OutboxCount) isEvent() {}
func (SendFailed) isEvent()  {}
func (Synced) isEvent()      {}
func (BALAdded) isEvent()    {}
func (BALRemoved) isEvent()  {}

// eventQueue is an unbounded FIFO in front of the events channel, so a slow UI never blocks
// a connection worker.
type eventQueue struct {
	mu     sync.Mutex
	items  []Event
	wake   chan struct{}
	out    chan Event
	closed bool
	done   chan struct{}
}

func newEventQueue() *eventQueue {
	q := &eventQueue{wake: make(chan struct{}, 1), out: make(chan Event), done: make(chan struct{})}
	go q.pump()
	return q
}

func (q *eventQueue) push(e Event) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	q.items = append(q.items, e)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// close delivers nothing more once the UI stops reading; pending events are dropped.
func (q *eventQueue) close() {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.done)
	}
	q.mu.Unlock()
}

func (q *eventQueue) pump() {
	defer close(q.out)
	for {
		q.mu.Lock()
		items := q.items
		q.items = nil
		q.mu.Unlock()
		for _, e := range items {
			select {
			case q.out <- e:
			case <-q.done:
				return
			}
		}
		select {
		case <-q.wake:
		case <-q.done:
			return
		}
	}
}

// refOf is a small helper shared by the engine files.
func refOf(bal, folder string, uid uint32) store.Ref {
	return store.Ref{BAL: bal, Folder: folder, UID: uid}
}
