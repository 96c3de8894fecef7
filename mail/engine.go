package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"comptoir/mail/msg"
)

// EngineConfig is everything an Engine needs; Operator, Cert (or Token) and Store are
// required.
type EngineConfig struct {
	Operator Operator
	Cert     tls.Certificate // the holder's certificate (the card's); PrivateKey is the card's signer
	MaxTLS   uint16          // card.MaxTLSVersion(); 0 means TLS 1.3
	// Token, when set, replaces the card for the holder's BALs: connections authenticate
	// with the Pro Santé Connect access token (XOAUTH2/OAUTHBEARER) and offer no certificate.
	Token TokenSource
	// Credentials overrides Cert/MaxTLS/Token for some BALs: an APP BAL authenticates with
	// its structure's certificate, never with the card or the holder's token.
	Credentials map[string]Credentials
	Author      string // who acts, for the audit journal (the card holder)
	Store       Store
	BALs        []string
	Logger      *slog.Logger
	Policy      SyncPolicy
	NIL         string         // X-MSS-NIL value, "Comptoir/<version>"
	Trust       *msg.TrustList // the trust-space list; nil: recipients are not checked (a warning)
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
	trust  atomic.Pointer[msg.TrustList] // cfg.Trust, then what SetTrust gives

	opsMu      sync.Mutex      // serialises read-modify-write of the pending operations and outbox
	submitting map[string]bool // outbox items being submitted (guarded by opsMu)
	// afterPush, when set (tests), runs after each pending operation reached the server,
	// before it leaves the pending list: the moment a change made meanwhile must survive.
	afterPush func(op)

	mu      sync.Mutex
	workers map[string]*worker
	cancel  context.CancelFunc
	runCtx  context.Context // the workers' context, once started
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
	e.trust.Store(cfg.Trust)
	for _, bal := range cfg.BALs {
		e.workers[bal] = newWorker(e, bal, e.credentials(bal, nil))
	}
	return e
}

// credentials is what bal authenticates with: cr when given, else the configured override,
// else the holder's token or certificate.
func (e *Engine) credentials(bal string, cr *Credentials) Credentials {
	if cr != nil {
		c := *cr
		c.BAL = bal
		return c
	}
	if c, ok := e.cfg.Credentials[bal]; ok {
		c.BAL = bal
		return c
	}
	if e.cfg.Token != nil {
		return Credentials{BAL: bal, Token: e.cfg.Token}
	}
	return Credentials{Cert: e.cfg.Cert, MaxTLS: e.cfg.MaxTLS, BAL: bal}
}

// AddBAL adds a BAL to a running engine (a BAL that became active during the session): its
// worker starts at once, and BALAdded is emitted. cr nil means the holder's certificate. A
// BAL already synchronised is left as it is.
func (e *Engine) AddBAL(bal string, cr *Credentials) {
	e.mu.Lock()
	if _, ok := e.workers[bal]; ok {
		e.mu.Unlock()
		return
	}
	w := newWorker(e, bal, e.credentials(bal, cr))
	e.workers[bal] = w
	if e.started && e.runCtx.Err() == nil {
		e.startWorkerLocked(w)
	}
	e.mu.Unlock()
	e.emit(BALAdded{BAL: bal})
}

// RemoveBAL stops synchronising bal (the operator withdrew it): its worker logs out, and
// BALRemoved is emitted. The cached mail stays in the store.
func (e *Engine) RemoveBAL(bal string) {
	e.mu.Lock()
	w, ok := e.workers[bal]
	if ok {
		delete(e.workers, bal)
		if w.stop != nil {
			w.stop()
		}
	}
	e.mu.Unlock()
	if ok {
		e.emit(BALRemoved{BAL: bal})
	}
}

// startWorkerLocked runs w under its own context, so that RemoveBAL can stop it alone.
func (e *Engine) startWorkerLocked(w *worker) {
	ctx, cancel := context.WithCancel(e.runCtx)
	w.stop = cancel
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		defer cancel()
		w.run(ctx)
	}()
}

// BALs lists the BALs the engine synchronises.
func (e *Engine) BALs() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]string, 0, len(e.workers))
	for b := range e.workers {
		out = append(out, b)
	}
	slices.Sort(out)
	return out
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
	e.runCtx = ctx
	for _, w := range e.workers {
		e.startWorkerLocked(w)
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
		w = newWorker(e, bal, e.credentials(bal, nil))
	}
	return w.once(ctx)
}

// FlushOnce connects, submits bal's outbox and logs out (the CLI's `send`).
func (e *Engine) FlushOnce(ctx context.Context, bal string) error {
	w := e.worker(bal)
	if w == nil {
		w = newWorker(e, bal, e.credentials(bal, nil))
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
