package session

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"comptoir/mail"
	"comptoir/mail/msg"
	"comptoir/mail/provisioning"
	"comptoir/store"
)

// ErrClosed: the session was locked or closed; nothing more is done in its name.
var ErrClosed = errors.New("session: closed")

// Session is one opened credential: its cache, its BALs and the mail engine. Safe for
// concurrent use.
type Session struct {
	cfg  Config
	cred Credential
	id   Identity
	st   *store.Store
	eng  *mail.Engine
	// trust is the trust-space list recipients are checked against: cfg.Trust, then the
	// refreshed one.
	trust atomic.Pointer[msg.TrustList]

	ctx    context.Context // background work: BAL list refresh, pending watch
	cancel context.CancelFunc
	done   chan struct{} // closed once Lock's teardown finished
	bg     sync.WaitGroup

	mu       sync.Mutex
	bals     []BAL
	closed   bool
	started  bool
	prov     *provisioning.Client // the pooled API connection, dropped at Lock
	closeErr error

	contacts   []store.Address // known correspondents, rebuilt after contactsTTL
	contactsAt time.Time
	watched    map[string]bool // pending BALs being watched

	draftsMu sync.Mutex // serialises read-modify-write of a BAL's drafts
	handled  handledIndex
}

// Open opens the credential's cache and prepares the engine on the BALs the cache knows
// (when it knows none, the operator is asked first). Nothing dials before Start, except that
// first listing. A cache sealed by another card of the same holder (a renewed card) is a
// *RenewedCardError: StartAfresh resolves it.
func Open(ctx context.Context, cred Credential, cfg Config) (*Session, error) {
	cfg = cfg.withDefaults()
	path, err := cachePath(cfg.CacheDir, cred.cacheID())
	if err != nil {
		return nil, err
	}
	st, err := openCache(ctx, cred, path, cfg)
	if errors.Is(err, store.ErrWrongCard) {
		return nil, &RenewedCardError{Path: path, NationalID: cred.cacheID(), Err: err}
	}
	if err != nil {
		return nil, err
	}
	bctx, cancel := context.WithCancel(context.Background())
	s := &Session{cfg: cfg, cred: cred, id: cred.identity(), st: st, ctx: bctx, cancel: cancel, done: make(chan struct{})}
	s.trust.Store(cfg.Trust)
	if err := s.loadBALs(); err != nil {
		cancel()
		st.Close()
		return nil, err
	}
	if _, isPSC := cred.(PSCCredential); len(s.syncable()) == 0 && cfg.APIURL != "" && !isPSC {
		// A first login: nothing cached to show, so the operator's answer is worth waiting for.
		if err := s.RefreshBALs(ctx); err != nil {
			cfg.Logger.Warn("list BALs at first login", "err", err)
		}
	}
	s.eng = mail.NewEngine(s.engineConfig())
	return s, nil
}

func cachePath(dir, id string) (string, error) {
	if dir == "" {
		p, err := store.PathFor(id)
		if err != nil {
			return "", fmt.Errorf("session: cache path: %w", err)
		}
		return p, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("session: cache dir: %w", err)
	}
	return filepath.Join(dir, id+".db"), nil
}

func (s *Session) engineConfig() mail.EngineConfig {
	cert := s.cred.tlsCertificate()
	cfg := mail.EngineConfig{
		Operator:    s.cfg.Servers,
		Cert:        cert,
		MaxTLS:      s.cred.maxTLS(),
		Author:      s.id.Author(),
		Store:       s.st,
		Logger:      s.cfg.Logger,
		NIL:         s.cfg.ProductRef,
		Trust:       s.trust.Load(),
		Credentials: map[string]mail.Credentials{},
	}
	if p, ok := s.cred.(PSCCredential); ok {
		// The holder's BALs authenticate with the access token; APP BALs keep their
		// structure certificate (Credentials).
		cfg.Token = p.Session
	}
	for _, b := range s.syncable() {
		cfg.BALs = append(cfg.BALs, b.Address)
		if cr, ok := s.balCredentials(b); ok {
			cfg.Credentials[b.Address] = cr
		}
	}
	if s.cfg.Engine != nil {
		s.cfg.Engine(&cfg)
	}
	return cfg
}

// Start runs the engine's workers, refreshes the BAL list from the operator and watches
// the pending BALs, all in the background, until Lock.
func (s *Session) Start() {
	s.mu.Lock()
	if s.closed || s.started {
		s.mu.Unlock()
		return
	}
	s.started = true
	s.mu.Unlock()
	s.eng.Start(s.ctx)
	if _, isPSC := s.cred.(PSCCredential); s.cfg.APIURL == "" || isPSC {
		// The provisioning API authenticates by card: an e-CPS session keeps the BAL list
		// of the cache (the last card login's).
		return
	}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		ctx, cancel := context.WithTimeout(s.ctx, s.cfg.APITimeout)
		err := s.RefreshBALs(ctx)
		cancel()
		if err != nil && s.ctx.Err() == nil {
			s.cfg.Logger.Warn("refresh BALs from the operator", "err", err)
		}
		s.watchPending()
	}()
}

// Identity is who acts in this session, in the practice situation chosen last.
func (s *Session) Identity() Identity {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.id
}

// Author is the audit journal's name for the session's holder.
func (s *Session) Author() string { return s.Identity().Author() }

// Store is the session's cache (the bridge reads it for the screens).
func (s *Session) Store() *store.Store { return s.st }

// Engine is the session's mail engine.
func (s *Session) Engine() *mail.Engine { return s.eng }

// Events is the engine's event stream, untouched: one typed stream from the engine to the
// screens. It is closed once the session is locked.
func (s *Session) Events() <-chan mail.Event { return s.eng.Events() }

// Removed is closed when the session's card is pulled, or when its Pro Santé Connect
// session ends (EndErr says why); nil (never ready) for a structure's certificate.
func (s *Session) Removed() <-chan struct{} {
	switch c := s.cred.(type) {
	case CardCredential:
		return c.Card.Removed()
	case PSCCredential:
		return c.Session.Done()
	}
	return nil
}

// Card is the session's card credential, if it has one.
func (s *Session) Card() (CardCredential, bool) {
	c, ok := s.cred.(CardCredential)
	return c, ok
}

// check fails once the session is locked: every action in the session's name goes through it.
func (s *Session) check() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	return nil
}

// Lock ends the session without waiting on the network: the cache keys are wiped first, the
// provisioning connection is dropped and the card logs out, then the engine stops in the
// background. Calls made afterwards fail with ErrClosed (or store.ErrSealed).
func (s *Session) Lock() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	prov := s.prov
	s.prov = nil
	s.mu.Unlock()
	s.cancel()
	s.st.Lock()
	if prov != nil {
		prov.Close()
	}
	// The card logs out now (a local call): a login right after the lock must get a fresh
	// card session, not this one while it closes.
	cerr := s.cred.close()
	go func() {
		defer close(s.done)
		// A Pro Santé Connect logout forgets the tokens at once, then revokes the refresh
		// token at the intermediate server while the engine stops.
		nerr := make(chan error, 1)
		if nc, ok := s.cred.(networkCloser); ok {
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), logoutTimeout)
				defer cancel()
				nerr <- nc.closeNetwork(ctx)
			}()
		} else {
			nerr <- nil
		}
		s.eng.Stop()
		s.bg.Wait()
		err := s.st.Close()
		if err == nil {
			err = cerr
		}
		if lerr := <-nerr; lerr != nil {
			// The session is over locally; PSC ends the refresh token at its lifetime.
			s.cfg.Logger.Warn("Pro Santé Connect logout", "err", lerr)
		}
		if err != nil {
			s.closeErr = fmt.Errorf("session: close: %w", err)
		}
	}()
}

// Done is closed once a locked session has released everything (engine stopped, cache
// file closed, card logged out).
func (s *Session) Done() <-chan struct{} { return s.done }

// Close locks the session and waits until everything is released.
func (s *Session) Close() error {
	s.Lock()
	<-s.done
	return s.closeErr
}
