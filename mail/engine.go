package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"comptoir/mail/msg"
)

// EngineConfig is everything an Engine needs; Operator, Cert (or Token) and Store are
// required.
type EngineConfig struct {
	Operator Operator
	Cert     tls.Certificate // the card's authentication certificate; PrivateKey is the card's signer
	MaxTLS   uint16          // card.MaxTLSVersion(); 0 means TLS 1.3
	// Token, when set, replaces the card: connections authenticate with the Pro Santé
	// Connect access token (XOAUTH2/OAUTHBEARER) and offer no certificate.
	Token  TokenSource
	Author string // who acts, for the audit journal (the card holder)
	Store  Store
	BALs   []string
	Logger *slog.Logger
	Policy SyncPolicy
	NIL    string         // X-MSS-NIL value, "Comptoir/<version>"
	Trust  *msg.TrustList // the trust-space list; nil: recipients are not checked (a warning)
	// ServerSavesSent: the operator files submitted messages in Sent itself (no APPEND).
	ServerSavesSent bool
	// Backoff bounds the reconnection delay; zero values mean 1 s and 5 min.
	MinBackoff, MaxBackoff time.Duration
	// IdleRefresh is how often a full pass over every folder runs while idling (0: 15 min).
	IdleRefresh time.Duration
}

// SyncPolicy says which bodies are fetched for offline reading: all of INBOX; in other
// folders, messages younger than MaxAge and smaller than MaxSize.
type SyncPolicy struct {
	MaxAge  time.Duration // 0 means 90 days
	MaxSize int64         // 0 means 10 MB
}

func (p SyncPolicy) withDefaults() SyncPolicy {
	if p.MaxAge == 0 {
		p.MaxAge = 90 * 24 * time.Hour
	}
	if p.MaxSize == 0 {
		p.MaxSize = 10 << 20
	}
	return p
}

// Engine synchronises the BALs of one card session: one long-lived connection and worker
// goroutine per BAL, events to the UI through Events. Errors never escape a worker: they
// become Offline events and the worker reconnects with exponential backoff.
type Engine struct {
	cfg    EngineConfig
	log    *slog.Logger
	events *eventQueue

	opsMu sync.Mutex // serialises read-modify-write of the pending operations and outbox

	mu      sync.Mutex
	workers map[string]*worker
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	started bool
}

// NewEngine prepares an engine; nothing dials before Start.
func NewEngine(cfg EngineConfig) *Engine {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff = time.Second
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = 5 * time.Minute
	}
	if cfg.IdleRefresh == 0 {
		cfg.IdleRefresh = 15 * time.Minute
	}
	cfg.Policy = cfg.Policy.withDefaults()
	e := &Engine{cfg: cfg, log: cfg.Logger.With("component", "mail"), events: newEventQueue(), workers: map[string]*worker{}}
	for _, bal := range cfg.BALs {
		e.workers[bal] = newWorker(e, bal)
	}
	return e
}

// Events returns the engine's event stream (closed after Stop).
func (e *Engine) Events() <-chan Event { return e.events.out }

// Start launches one worker per BAL. The workers stop when ctx ends or Stop is called.
func (e *Engine) Start(ctx context.Context) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.started {
		return
	}
	e.started = true
	ctx, e.cancel = context.WithCancel(ctx)
	for _, w := range e.workers {
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			w.run(ctx)
		}()
	}
	e.emitOutboxCount()
}

// Stop logs out every session, waits for the workers and closes Events.
func (e *Engine) Stop() {
	e.mu.Lock()
	cancel := e.cancel
	e.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	e.wg.Wait()
	e.events.close()
}

// SyncNow asks the BAL's worker for a full pass as soon as possible (or a reconnection now
// if it is waiting to retry).
func (e *Engine) SyncNow(bal string) {
	if w := e.worker(bal); w != nil {
		w.poke(wantFull)
	}
}

// SyncOnce connects, runs one full pass over every folder of bal, flushes its outbox and
// logs out: the CLI's `sync --once`.
func (e *Engine) SyncOnce(ctx context.Context, bal string) error {
	w := e.worker(bal)
	if w == nil {
		w = newWorker(e, bal)
	}
	return w.once(ctx)
}

// FlushOnce connects, submits bal's outbox and logs out (the CLI's `send`).
func (e *Engine) FlushOnce(ctx context.Context, bal string) error {
	w := e.worker(bal)
	if w == nil {
		w = newWorker(e, bal)
	}
	s, err := w.connect(ctx)
	if err != nil {
		return err
	}
	defer s.close()
	if _, err := s.listFolders(); err != nil {
		return err
	}
	if err := s.flushOutbox(ctx); err != nil {
		return err
	}
	s.logout()
	return nil
}

func (e *Engine) worker(bal string) *worker {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.workers[bal]
}

func (e *Engine) emit(ev Event) { e.events.push(ev) }

// credentials are what bal's connections authenticate with.
func (e *Engine) credentials(bal string) Credentials {
	if e.cfg.Token != nil {
		return Credentials{BAL: bal, Token: e.cfg.Token}
	}
	return Credentials{Cert: e.cfg.Cert, MaxTLS: e.cfg.MaxTLS, BAL: bal}
}

func (e *Engine) emitOutboxCount() {
	items, err := e.cfg.Store.Outbox()
	if err != nil {
		e.log.Error("outbox read failed", "err", err)
		return
	}
	e.emit(OutboxCount{N: len(items)})
}

// backoff returns the delay before attempt n (n >= 1): exponential with jitter, capped.
func (e *Engine) backoff(n int, err error) time.Duration {
	d := e.cfg.MinBackoff << min(n-1, 16)
	if errors.Is(err, ErrAuthRefused) {
		d = e.cfg.MaxBackoff // a refused card will not be accepted a second later
	}
	d = min(d, e.cfg.MaxBackoff)
	return d/2 + rand.N(d/2+1)
}
