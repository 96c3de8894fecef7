package psc

import (
	"context"
	"errors"
	"testing"
	"time"

	"comptoir/cmd/mss-sandbox/sandbox"
)

func (s *Session) state() (access, refresh string, expires time.Time, refreshes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.access, s.refresh, s.expires, s.refreshes
}

// TestPSCRefreshBeforeExpiry: with 4 s access tokens, the session replaces the token while
// it is still valid, and Token never hands out an expired one.
func TestPSCRefreshBeforeExpiry(t *testing.T) {
	t.Parallel()
	e := startEnv(t, sandbox.PSCOptions{AccessTTL: 4 * time.Second, CIBAInterval: time.Second})
	s := e.loginECPS(titulaire)
	first, rt, exp, _ := s.state()
	var second string
	waitFor(t, 10*time.Second, "a refreshed access token", func() bool {
		tok, err := s.Token(e.ctx)
		if err != nil {
			t.Fatalf("Token: %v", err)
		}
		if time.Now().After(exp) && tok == first {
			t.Fatal("Token handed out an expired access token")
		}
		second = tok
		return tok != first
	})
	if !time.Now().Before(exp) {
		t.Errorf("the token was replaced only after it expired")
	}
	if _, err := e.srv.PSC().VerifyAccessToken(e.ctx, second, sandbox.PSCClientID); err != nil {
		t.Errorf("the new access token is not valid: %v", err)
	}
	if _, newRT, _, n := s.state(); n < 1 || newRT == rt {
		t.Errorf("refreshes = %d, refresh token rotated = %v", n, newRT != rt)
	}
}

// TestPSCRefusedRefreshEndsSession: when PSC refuses the refresh token (the professional's
// PSC session ended), the session ends with ErrSessionEnded and forgets its tokens.
func TestPSCRefusedRefreshEndsSession(t *testing.T) {
	t.Parallel()
	e := startEnv(t, sandbox.PSCOptions{AccessTTL: 4 * time.Second, CIBAInterval: time.Second})
	s := e.loginECPS(titulaire)
	if n := e.srv.PSC().EndSessions(titulaire, "logged out on the phone"); n != 1 {
		t.Fatalf("ended %d sessions, want 1", n)
	}
	select {
	case <-s.Done():
	case <-time.After(15 * time.Second):
		t.Fatal("the session did not end after the refused refresh")
	}
	if !errors.Is(s.Err(), ErrSessionEnded) {
		t.Fatalf("Err = %v, want ErrSessionEnded", s.Err())
	}
	if _, err := s.Token(e.ctx); !errors.Is(err, ErrSessionEnded) {
		t.Fatalf("Token after the end: %v, want ErrSessionEnded", err)
	}
	if a, r, _, _ := s.state(); a != "" || r != "" {
		t.Error("the ended session still holds tokens")
	}
}

// TestPSCCloseRevokes: logging out revokes the refresh token at PSC.
func TestPSCCloseRevokes(t *testing.T) {
	t.Parallel()
	e := startEnv(t, sandbox.PSCOptions{CIBAInterval: time.Second})
	s := e.loginECPS(titulaire)
	_, rt, _, _ := s.state()
	if err := s.Close(e.ctx); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(s.Err(), ErrClosed) {
		t.Fatalf("Err = %v, want ErrClosed", s.Err())
	}
	err := e.c.call(e.ctx, "POST", "/v1/refresh", map[string]string{"refresh_token": rt}, &tokenSet{})
	if apiCode(err) != "invalid_grant" {
		t.Fatalf("refresh with the revoked token: %v, want invalid_grant", err)
	}
	if _, err := s.Token(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Token after Close: %v", err)
	}
}

// TestPSCInvalidateRefreshes: a token a server refused is not handed out again.
func TestPSCInvalidateRefreshes(t *testing.T) {
	t.Parallel()
	e := startEnv(t, sandbox.PSCOptions{CIBAInterval: time.Second})
	s := e.loginECPS(titulaire)
	first := e.token(s)
	s.Invalidate(first)
	second, err := s.Token(e.ctx)
	if err != nil || second == first {
		t.Fatalf("after Invalidate: %v, same token = %v", err, second == first)
	}
}

// TestPSCRefreshBacksOffWhileUnreachable: with the intermediate server out of reach, a due
// refresh is retried after minRetry, then longer, not at once (the retry delay was ignored
// once the token was due: about 700 attempts a second, each logged).
func TestPSCRefreshBacksOffWhileUnreachable(t *testing.T) {
	t.Parallel()
	e := startEnv(t, sandbox.PSCOptions{CIBAInterval: time.Second})
	s := e.loginECPS(titulaire)
	first := e.token(s)
	e.rec.cut(true)
	s.Invalidate(first) // the token is due now
	waitFor(t, 10*time.Second, "two refresh attempts", func() bool { return len(e.rec.refreshesWhileDown()) >= 2 })
	at := e.rec.refreshesWhileDown()
	if gap := at[1].Sub(at[0]); gap < minRetry*9/10 {
		t.Fatalf("the refresh was retried %v after it failed (%d attempts so far), want at least %v", gap, len(at), minRetry)
	}
	e.rec.cut(false)
	waitFor(t, 10*time.Second, "a new token once reachable", func() bool {
		tok, err := s.Token(e.ctx)
		return err == nil && tok != first
	})
}
