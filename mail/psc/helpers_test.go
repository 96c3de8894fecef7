package psc

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cps/cpstest"
)

// The test PKI is shared: creating its CAs costs several RSA key generations.
var (
	pkiOnce sync.Once
	pkiVal  *cpstest.PKI
	pkiErr  error
	pkiDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if pkiDir != "" {
		os.RemoveAll(pkiDir)
	}
	os.Exit(code)
}

func testPKI(t testing.TB) *cpstest.PKI {
	t.Helper()
	pkiOnce.Do(func() {
		pkiDir, pkiErr = os.MkdirTemp("", "psc-pki-")
		if pkiErr == nil {
			pkiVal, pkiErr = cpstest.NewPKI(pkiDir)
		}
	})
	if pkiErr != nil {
		t.Fatalf("test PKI: %v", pkiErr)
	}
	return pkiVal
}

// env is a running sandbox operator (with its PSC stand-in and intermediate server) and a
// client of the intermediate server.
type env struct {
	t   testing.TB
	ctx context.Context
	srv *sandbox.Server
	pki *cpstest.PKI
	c   *Client
	rec *recorder
}

func startEnv(t testing.TB, o sandbox.PSCOptions) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	pki := testPKI(t)
	srv, err := sandbox.Start(ctx, sandbox.Options{DataDir: t.TempDir(), PKI: pki, Seed: true, ValidationDelay: time.Hour,
		PSC: o, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	rec := &recorder{next: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pki.RootPool(), MinVersion: tls.VersionTLS12}}}
	c, err := New(srv.PSCGatewayURL(), Options{HTTPClient: &http.Client{Transport: rec, Timeout: 30 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, ctx: ctx, srv: srv, pki: pki, c: c, rec: rec}
}

// recorder is an HTTP transport that keeps every token the intermediate server hands out,
// so that tests can look for them where they must not be.
type recorder struct {
	next   http.RoundTripper
	mu     sync.Mutex
	tokens []string
	// down: the intermediate server cannot be reached; refreshes are the times a refresh
	// was attempted meanwhile.
	down      bool
	refreshes []time.Time
}

// cut makes the intermediate server unreachable (down) or reachable again.
func (r *recorder) cut(down bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.down = down
}

func (r *recorder) refreshesWhileDown() []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Time(nil), r.refreshes...)
}

var tokenField = regexp.MustCompile(`"(access_token|refresh_token|id_token)"\s*:\s*"([^"]+)"`)

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	down := r.down
	if down && strings.HasSuffix(req.URL.Path, "/v1/refresh") {
		r.refreshes = append(r.refreshes, time.Now())
	}
	r.mu.Unlock()
	if down {
		return nil, errors.New("dial tcp: connect: connection refused")
	}
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	for _, m := range tokenField.FindAllSubmatch(body, -1) {
		r.tokens = append(r.tokens, string(m[2]))
	}
	r.mu.Unlock()
	resp.Body = io.NopCloser(strings.NewReader(string(body)))
	return resp, nil
}

func (r *recorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.tokens...)
}

// approveWhenAsked plays the professional approving (or refusing) the next request on
// their phone; the returned channel reports a failure to do so.
func (e *env) decideWhenAsked(nationalID string, approve bool) <-chan error {
	errc := make(chan error, 1)
	go func() {
		req, err := e.srv.PSC().WaitPending(e.ctx, nationalID)
		if err == nil {
			if approve {
				err = e.srv.PSC().Approve(req.ID)
			} else {
				err = e.srv.PSC().Deny(req.ID)
			}
		}
		errc <- err
	}()
	return errc
}

// loginECPS logs the titulaire in with her e-CPS, approved at once.
func (e *env) loginECPS(nationalID string) *Session {
	e.t.Helper()
	done := e.decideWhenAsked(nationalID, true)
	s, err := e.c.LoginECPS(e.ctx, nationalID, nil)
	if err != nil {
		e.t.Fatalf("e-CPS login: %v", err)
	}
	if err := <-done; err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

// token is s's access token now, failing the test without one.
func (e *env) token(s *Session) string {
	e.t.Helper()
	tok, err := s.Token(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// browser plays the system browser: it follows the redirects to the PSC page, fills in the
// national id and clicks approve (or refuse).
func (e *env) browser(nationalID string, approve bool) func(string) error {
	return func(start string) error {
		jar, _ := cookiejar.New(nil)
		hc := &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: e.pki.RootPool(), MinVersion: tls.VersionTLS12}}}
		go func() {
			resp, err := hc.Get(start)
			if err != nil {
				e.t.Errorf("browser: %v", err)
				return
			}
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			action := regexp.MustCompile(`action="([^"]+)"`).FindSubmatch(page)
			txn := regexp.MustCompile(`name="txn" value="([^"]+)"`).FindSubmatch(page)
			if action == nil || txn == nil {
				e.t.Errorf("browser: no approval form in %s", page)
				return
			}
			decision := "deny"
			if approve {
				decision = "approve"
			}
			resp, err = hc.PostForm(string(action[1]), url.Values{"txn": {string(txn[1])}, "national_id": {nationalID},
				"decision": {decision}})
			if err != nil {
				e.t.Errorf("browser: %v", err)
				return
			}
			final, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.Contains(string(final), "Vous pouvez fermer cette fenêtre") {
				e.t.Errorf("browser ended on %s: %s", resp.Request.URL, final)
			}
		}()
		return nil
	}
}

// waitFor polls cond until it holds or d passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
