package psc

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Session is a logged-in professional's PSC tokens, in memory only. It refreshes the access
// token before it expires, from a goroutine that lives until the session ends or is closed.
// Its methods are safe for concurrent use.
type Session struct {
	c        *Client
	identity Identity

	mu        sync.Mutex
	access    string
	expires   time.Time
	lifetime  time.Duration
	refresh   string
	lastErr   error         // the last refresh attempt's failure, while it lasts
	changed   chan struct{} // closed and replaced after each refresh attempt
	wake      chan struct{} // asks the refresher for a refresh now
	done      chan struct{}
	err       error
	cancel    context.CancelFunc
	refreshes int
}

// Retry bounds of a refresh that failed for want of the network.
const (
	minRetry = time.Second
	maxRetry = 30 * time.Second
)

func (c *Client) newSession(ts *tokenSet, id Identity) *Session {
	ctx, cancel := context.WithCancel(context.Background())
	s := &Session{c: c, identity: id, changed: make(chan struct{}), wake: make(chan struct{}, 1),
		done: make(chan struct{}), cancel: cancel}
	s.store(ts)
	go s.run(ctx)
	return s
}

// store keeps a new token set. The caller holds s.mu, or owns s alone.
func (s *Session) store(ts *tokenSet) {
	s.lifetime = time.Duration(max(ts.ExpiresIn, 1)) * time.Second
	// exp is a whole second and was computed before the answer travelled here: count one
	// second less than announced.
	s.access, s.expires = ts.AccessToken, s.c.now().Add(max(s.lifetime-time.Second, s.lifetime/2))
	if ts.RefreshToken != "" {
		s.refresh = ts.RefreshToken
	}
}

// margin is how long before expiry the refresh happens: a quarter of the lifetime, at most
// one minute (30 s for PSC's 2-minute tokens).
func (s *Session) margin() time.Duration { return min(s.lifetime/4, time.Minute) }

// usable reports whether the access token may still be handed out: servers check expiry
// when they receive it, so it must not be about to expire.
func (s *Session) usableLocked() bool {
	return s.access != "" && s.c.now().Before(s.expires.Add(-min(s.lifetime/10, 5*time.Second)))
}

// Identity is the professional PSC vouched for at login.
func (s *Session) Identity() Identity { return s.identity }

// Done is closed when the session ends (refused refresh, or Close).
func (s *Session) Done() <-chan struct{} { return s.done }

// Err says why the session ended: ErrSessionEnded (wrapped, with PSC's reason) or
// ErrClosed; nil while it lasts.
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Token returns a valid access token (mail.TokenSource). When the current one is about to
// expire it waits for the refresh, bounded by ctx. It fails with ErrSessionEnded or
// ErrClosed once the session is over, and with ErrUnavailable while the intermediate server
// cannot be reached and the token has expired.
func (s *Session) Token(ctx context.Context) (string, error) {
	for {
		s.mu.Lock()
		if s.err != nil {
			err := s.err
			s.mu.Unlock()
			return "", err
		}
		if s.usableLocked() {
			tok := s.access
			s.mu.Unlock()
			return tok, nil
		}
		changed := s.changed
		s.mu.Unlock()
		s.kick()
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-changed:
		}
		s.mu.Lock()
		err, ok := s.lastErr, s.usableLocked() || s.err != nil
		s.mu.Unlock()
		if !ok && err != nil {
			return "", err
		}
	}
}

// Invalidate tells the session a server refused token: the next Token call refreshes.
func (s *Session) Invalidate(token string) {
	s.mu.Lock()
	if token == s.access {
		s.access = ""
	}
	s.mu.Unlock()
	s.kick()
}

func (s *Session) kick() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run refreshes before expiry, on demand, and retries with backoff when the intermediate
// server cannot be reached (the refresh token may still be good).
func (s *Session) run(ctx context.Context) {
	retry := time.Duration(0)
	for {
		s.mu.Lock()
		wait := s.expires.Add(-s.margin()).Sub(s.c.now())
		if s.access == "" {
			wait = 0
		}
		s.mu.Unlock()
		if retry > 0 {
			// The last refresh failed: the token is due (or past), so wait is zero or
			// less; the retry delay is what bounds the attempts.
			wait = retry
		}
		t := time.NewTimer(max(wait, 0))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.wake:
			t.Stop()
		case <-t.C:
		}
		err := s.refreshOnce(ctx)
		// This attempt answers every request for one made before it ended (a Token call
		// waits for its outcome): a wake left over must not start a second attempt at once.
		select {
		case <-s.wake:
		default:
		}
		switch {
		case err == nil:
			retry = 0
		case errors.Is(err, ErrSessionEnded) || ctx.Err() != nil:
			return
		default:
			retry = min(max(2*retry, minRetry), maxRetry)
			s.c.log.Warn("psc: refresh failed, will retry", "err", err, "in", retry)
		}
	}
}

// refreshOnce asks the intermediate server for new tokens.
func (s *Session) refreshOnce(ctx context.Context) error {
	s.mu.Lock()
	if s.err != nil {
		s.mu.Unlock()
		return s.err
	}
	if s.usableLocked() && s.c.now().Before(s.expires.Add(-s.margin())) {
		// Woken by a Token call that raced with a refresh that already happened.
		s.signalLocked(nil)
		s.mu.Unlock()
		return nil
	}
	rt := s.refresh
	s.mu.Unlock()
	var ts tokenSet
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	err := s.c.call(cctx, "POST", "/v1/refresh", map[string]string{"refresh_token": rt}, &ts)
	cancel()
	if err == nil && ts.AccessToken == "" {
		err = fmt.Errorf("%w: empty token answer", ErrUnavailable)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	switch {
	case err == nil:
		s.store(&ts)
		s.refreshes++
		s.signalLocked(nil)
		return nil
	case apiCode(err) == "invalid_grant":
		s.endLocked(fmt.Errorf("%w: %v", ErrSessionEnded, err))
		s.c.log.Warn("psc: refresh refused, session ended")
		return s.err
	case apiCode(err) != "":
		err = fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	s.signalLocked(err)
	return err
}

// signalLocked records a refresh attempt's outcome and wakes the waiting Token calls.
func (s *Session) signalLocked(err error) {
	s.lastErr = err
	close(s.changed)
	s.changed = make(chan struct{})
}

// endLocked ends the session: tokens forgotten, Done closed, waiters woken.
func (s *Session) endLocked(err error) {
	if s.err != nil {
		return
	}
	s.err = err
	s.access, s.refresh = "", ""
	s.cancel()
	close(s.done)
	s.signalLocked(err)
}

// Close logs out: the refresh token is revoked at PSC (best effort, bounded by ctx) and the
// tokens are forgotten. Err then returns ErrClosed.
func (s *Session) Close(ctx context.Context) error {
	s.mu.Lock()
	if s.err != nil {
		s.mu.Unlock()
		return nil
	}
	rt := s.refresh
	s.endLocked(ErrClosed)
	s.mu.Unlock()
	if err := s.c.call(ctx, "POST", "/v1/logout", map[string]string{"refresh_token": rt}, nil); err != nil {
		return fmt.Errorf("psc: logout: %w", err)
	}
	return nil
}
