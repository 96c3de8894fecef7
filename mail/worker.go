package mail

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

type wantKind int

const (
	wantFull   wantKind = 1 << iota // a pass over every folder
	wantOutbox                      // submit queued messages
	wantOps                         // push local flag changes and deletions
)

// worker owns the single long-lived IMAP connection of one BAL.
type worker struct {
	e    *Engine
	bal  string
	cred Credentials // what this BAL authenticates with (the card, or an APP BAL's certificate)
	wake chan struct{}
	stop context.CancelFunc // ends run (RemoveBAL); set under Engine.mu when started

	mu   sync.Mutex
	want wantKind
}

func newWorker(e *Engine, bal string, cred Credentials) *worker {
	return &worker{e: e, bal: bal, cred: cred, wake: make(chan struct{}, 1)}
}

func (w *worker) poke(k wantKind) {
	w.mu.Lock()
	w.want |= k
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *worker) takeWants() wantKind {
	w.mu.Lock()
	defer w.mu.Unlock()
	k := w.want
	w.want = 0
	return k
}

// run keeps a session open until ctx ends, reconnecting with exponential backoff.
func (w *worker) run(ctx context.Context) {
	attempt := 0
	for ctx.Err() == nil {
		start := time.Now()
		online, err := w.session(ctx, false)
		if ctx.Err() != nil {
			return
		}
		if online && time.Since(start) > w.e.cfg.MinBackoff*4 {
			attempt = 0
		}
		attempt++
		w.e.log.Warn("session ended", "bal", w.bal, "err", err, "attempt", attempt)
		w.e.emit(Offline{BAL: w.bal, Err: err})
		t := time.NewTimer(w.e.backoff(attempt, err))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-w.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// once runs a single session: full pass, outbox, pending operations, logout.
func (w *worker) once(ctx context.Context) error {
	_, err := w.session(ctx, true)
	return err
}

func (w *worker) session(ctx context.Context, once bool) (online bool, err error) {
	defer func() {
		// A bug in one BAL's session must not take the application down.
		if r := recover(); r != nil {
			err = fmt.Errorf("mail: session %s: internal error: %v", w.bal, r)
			w.e.log.Error("session panic", "bal", w.bal, "panic", r)
		}
	}()
	s, err := w.connect(ctx)
	if err != nil {
		return false, err
	}
	defer s.close()
	defer func() {
		if aerr := s.aborted(); aerr != nil && err != nil {
			err = aerr // the reason the connection was dropped, not the closed connection
		}
	}()
	w.e.emit(Online{BAL: w.bal})
	w.takeWants()
	if _, err := s.listFolders(); err != nil {
		return true, err
	}
	if err := s.flushOutbox(ctx); err != nil {
		return true, err
	}
	if err := s.syncAll(ctx); err != nil {
		return true, err
	}
	if once {
		s.logout()
		return true, nil
	}
	refresh := time.NewTicker(w.e.cfg.IdleRefresh)
	defer refresh.Stop()
	for {
		if err := s.syncFolder(ctx, "INBOX"); err != nil {
			return true, err
		}
		woke, err := s.idle(ctx, refresh.C)
		if err != nil {
			return true, err
		}
		if ctx.Err() != nil {
			s.logout()
			return true, ctx.Err()
		}
		k := w.takeWants()
		if woke == wokeRefresh {
			k |= wantFull
		}
		if k&wantOps != 0 {
			if err := s.pushOps(ctx); err != nil {
				return true, err
			}
		}
		if k&wantOutbox != 0 {
			if err := s.flushOutbox(ctx); err != nil {
				return true, err
			}
		}
		if k&wantFull != 0 {
			if err := s.syncAll(ctx); err != nil {
				return true, err
			}
		}
	}
}

// session is one authenticated IMAP connection of a worker.
type session struct {
	w      *worker
	e      *Engine
	bal    string
	c      *imapclient.Client
	caps   imap.CapSet
	notify chan struct{} // unsolicited EXISTS/EXPUNGE/FETCH arrived
	stop   func() bool

	folders  map[string]string // name -> special use, from the last LIST
	created  bool              // a folder was created since the last LIST
	selected string
	sel      *imap.SelectData
	rec      *responses // the server's status lines, for the audit journal

	abortMu  sync.Mutex
	abortErr error // why the session dropped its connection (unsolicited data over the limits)
}

// abort drops the connection for err (asynchronously: Close waits for the reader, which
// may be waiting for the caller to read a literal); the session's next command fails and
// the worker reports err. Before the client exists (unsolicited data during the login),
// connect fails with err.
func (s *session) abort(err error) {
	s.abortMu.Lock()
	if s.abortErr == nil {
		s.abortErr = err
	}
	c := s.c
	s.abortMu.Unlock()
	if c != nil {
		go c.Close()
	}
}

func (s *session) aborted() error {
	s.abortMu.Lock()
	defer s.abortMu.Unlock()
	return s.abortErr
}

func (w *worker) connect(ctx context.Context) (*session, error) {
	s := &session{w: w, e: w.e, bal: w.bal, notify: make(chan struct{}, 1)}
	signal := func() {
		select {
		case s.notify <- struct{}{}:
		default:
		}
	}
	handler := &imapclient.UnilateralDataHandler{
		Expunge: func(uint32) { signal() },
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				signal()
			}
		},
		Fetch: func(m *imapclient.FetchMessageData) {
			// Read through, never kept: a server can push body data nobody asked for.
			s.discardUnsolicited(m)
			signal()
		},
	}
	op := w.e.cfg.Operator
	cr := w.cred
	s.rec = newIMAPResponses()
	c, caps, resp, err := op.dialIMAP(ctx, cr, handler, s.rec)
	req := fmt.Sprintf("IMAP %s AUTHENTICATE %s authzid=%s", op.IMAPAddr, cr.mechanism(), w.bal)
	w.e.audit(w.bal, ActionLogin, req, resp, err)
	if err != nil {
		return nil, err
	}
	s.abortMu.Lock()
	s.c, s.caps = c, caps
	aborted := s.abortErr != nil
	s.abortMu.Unlock()
	if aborted {
		c.Close()
		return nil, s.aborted()
	}
	s.stop = context.AfterFunc(ctx, func() { c.Close() })
	return s, nil
}

func (s *session) close() {
	s.stop()
	s.c.Close()
}

func (s *session) logout() {
	_ = s.c.Logout().Wait()
}

type wokeBy int

const (
	wokeNotify wokeBy = iota
	wokePoke
	wokeRefresh
	wokeDone
)

// idle waits in IDLE on the selected folder (INBOX) until the server reports a change, the
// engine pokes the worker, the refresh ticker fires or ctx ends. Without IDLE it polls with
// NOOP every second.
func (s *session) idle(ctx context.Context, refresh <-chan time.Time) (wokeBy, error) {
	if !s.caps.Has(imap.CapIdle) {
		t := time.NewTimer(time.Second)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return wokeDone, nil
		case <-s.w.wake:
			return wokePoke, nil
		case <-refresh:
			return wokeRefresh, nil
		case <-t.C:
			return wokeNotify, s.c.Noop().Wait()
		}
	}
	cmd, err := s.c.Idle()
	if err != nil {
		return wokeDone, fmt.Errorf("mail: IDLE: %w", err)
	}
	var why wokeBy
	select {
	case <-ctx.Done():
		why = wokeDone
	case <-s.w.wake:
		why = wokePoke
	case <-refresh:
		why = wokeRefresh
	case <-s.notify:
		why = wokeNotify
	case <-s.c.Closed():
		return wokeDone, errors.New("mail: connection closed by the server")
	}
	if err := cmd.Close(); err != nil && ctx.Err() == nil {
		return why, fmt.Errorf("mail: end IDLE: %w", err)
	}
	if err := cmd.Wait(); err != nil && ctx.Err() == nil {
		return why, fmt.Errorf("mail: IDLE: %w", err)
	}
	return why, nil
}
