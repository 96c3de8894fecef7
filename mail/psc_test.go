package mail

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cps/cpstest"
	"comptoir/mail/internal/faultproxy"
	"comptoir/mail/internal/mailgen"
	"comptoir/mail/msg"
	"comptoir/mail/psc"
	"comptoir/store"
)

// pscRig is the sandbox operator with its Pro Santé Connect stand-in, and a client of its
// intermediate server.
type pscRig struct {
	t   testing.TB
	ctx context.Context
	srv *sandbox.Server
	pki *cpstest.PKI
	op  Operator
	c   *psc.Client
	a   sandbox.SeedAddresses
}

func newPSCRig(t testing.TB, o sandbox.PSCOptions) *pscRig {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	pki, err := cpstest.NewPKI(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if o.CIBAInterval == 0 {
		o.CIBAInterval = time.Second
	}
	srv, err := sandbox.Start(ctx, sandbox.Options{DataDir: t.TempDir(), PKI: pki, Seed: true, ValidationDelay: time.Hour,
		PSC: o, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	pool, crls, err := LoadTrust(srv.TrustAnchorPath())
	if err != nil {
		t.Fatal(err)
	}
	c, err := psc.New(srv.PSCGatewayURL(), psc.Options{RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	op := Operator{IMAPAddr: srv.IMAPAddr(), SMTPAddr: srv.SMTPAddr(), ServerName: srv.ServerName(), RootCAs: pool,
		CRLs: append(crls, pki.CRLs()...), Domain: srv.Domain()}
	return &pscRig{t: t, ctx: ctx, srv: srv, pki: pki, op: op, c: c, a: sandbox.Seed(srv.Domain())}
}

// login logs nationalID in with the e-CPS, approved on the "phone" at once.
func (r *pscRig) login(nationalID string) *psc.Session {
	r.t.Helper()
	go func() {
		if req, err := r.srv.PSC().WaitPending(r.ctx, nationalID); err == nil {
			_ = r.srv.PSC().Approve(req.ID)
		}
	}()
	s, err := r.c.LoginECPS(r.ctx, nationalID, nil)
	if err != nil {
		r.t.Fatalf("e-CPS login: %v", err)
	}
	r.t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

// recordingSource hands out the session's tokens and remembers them.
type recordingSource struct {
	TokenSource
	mu     sync.Mutex
	tokens []string
	first  time.Time // when the first token was handed out
}

func (r *recordingSource) Token(ctx context.Context) (string, error) {
	tok, err := r.TokenSource.Token(ctx)
	if err == nil {
		r.mu.Lock()
		if len(r.tokens) == 0 {
			r.first = time.Now()
		}
		if len(r.tokens) == 0 || r.tokens[len(r.tokens)-1] != tok {
			r.tokens = append(r.tokens, tok)
		}
		r.mu.Unlock()
	}
	return tok, err
}

func (r *recordingSource) firstAt() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.first
}

func (r *recordingSource) distinct() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.tokens)
}

// staticSource always gives the same token and records invalidations.
type staticSource struct {
	tok         string
	invalidated atomic.Int32
}

func (s *staticSource) Token(context.Context) (string, error) { return s.tok, nil }
func (s *staticSource) Invalidate(string)                     { s.invalidated.Add(1) }

// TestPSCSandboxOAuth: with the e-CPS token, IMAP and submission open the pharmacy's ORG BAL
// (the titulaire's right, as with her card), with XOAUTH2 and with OAUTHBEARER.
func TestPSCSandboxOAuth(t *testing.T) {
	t.Parallel()
	r := newPSCRig(t, sandbox.PSCOptions{})
	s := r.login(cpstest.Titulaire.NationalID)
	for _, mech := range []string{MechXOAUTH2, MechOAUTHBEARER} {
		t.Run(mech, func(t *testing.T) {
			op := r.op
			op.OAuthMech = mech
			cr := Credentials{BAL: r.a.Pharmacy, Token: s}
			c, _, err := op.DialIMAP(r.ctx, cr, nil)
			if err != nil {
				t.Fatalf("IMAP %s: %v", mech, err)
			}
			defer c.Close()
			sel, err := c.Select("INBOX", nil).Wait()
			if err != nil || sel.NumMessages == 0 {
				t.Fatalf("SELECT INBOX: %v (%d messages)", err, sel.NumMessages)
			}
			sc, err := op.DialSMTP(r.ctx, cr)
			if err != nil {
				t.Fatalf("SMTP %s: %v", mech, err)
			}
			defer sc.Close()
			subject := "Ordonnance prête " + mech
			raw := "From: " + r.a.Pharmacy + "\r\nTo: " + r.a.Doctor + "\r\nSubject: " + subject + "\r\n\r\nBonjour.\r\n"
			if err := sc.SendMail(r.a.Pharmacy, []string{r.a.Doctor}, strings.NewReader(raw)); err != nil {
				t.Fatalf("send: %v", err)
			}
			msgs, err := r.srv.Messages(r.a.Doctor)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, m := range msgs {
				found = found || strings.Contains(string(m), subject)
			}
			if !found {
				t.Error("the message sent with the token did not arrive")
			}
		})
	}
}

// TestPSCSandboxRefusals: tokens and BALs the operator refuses surface as ErrTokenRefused,
// and the source is told its token was refused.
func TestPSCSandboxRefusals(t *testing.T) {
	t.Parallel()
	r := newPSCRig(t, sandbox.PSCOptions{AccessTTL: 2 * time.Second})
	s := r.login(cpstest.Titulaire.NationalID)

	t.Run("BAL without right", func(t *testing.T) {
		_, _, err := r.op.DialIMAP(r.ctx, Credentials{BAL: r.a.Hospital, Token: s}, nil)
		if !errors.Is(err, ErrTokenRefused) || !strings.Contains(err.Error(), "no right") {
			t.Fatalf("IMAP: %v, want ErrTokenRefused for want of a right", err)
		}
		_, err = r.op.DialSMTP(r.ctx, Credentials{BAL: r.a.Hospital, Token: s})
		if !errors.Is(err, ErrTokenRefused) {
			t.Fatalf("SMTP: %v, want ErrTokenRefused", err)
		}
	})
	t.Run("forged token", func(t *testing.T) {
		for _, mech := range []string{MechXOAUTH2, MechOAUTHBEARER} {
			op := r.op
			op.OAuthMech = mech
			src := &staticSource{tok: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.sig"}
			if _, _, err := op.DialIMAP(r.ctx, Credentials{BAL: r.a.Pharmacy, Token: src}, nil); !errors.Is(err, ErrTokenRefused) {
				t.Fatalf("IMAP %s: %v, want ErrTokenRefused", mech, err)
			}
			if _, err := op.DialSMTP(r.ctx, Credentials{BAL: r.a.Pharmacy, Token: src}); !errors.Is(err, ErrTokenRefused) {
				t.Fatalf("SMTP %s: %v, want ErrTokenRefused", mech, err)
			}
			if src.invalidated.Load() != 2 {
				t.Errorf("%s: the source was told of %d refusals, want 2", mech, src.invalidated.Load())
			}
		}
	})
	t.Run("expired token", func(t *testing.T) {
		tok, err := s.Token(r.ctx)
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for _, err := r.srv.PSC().VerifyAccessToken(r.ctx, tok, sandbox.PSCClientID); err == nil; _, err = r.srv.PSC().VerifyAccessToken(r.ctx, tok, sandbox.PSCClientID) {
			if time.Now().After(deadline) {
				t.Fatal("the token never expired")
			}
			time.Sleep(50 * time.Millisecond)
		}
		src := &staticSource{tok: tok}
		if _, _, err := r.op.DialIMAP(r.ctx, Credentials{BAL: r.a.Pharmacy, Token: src}, nil); !errors.Is(err, ErrTokenRefused) {
			t.Fatalf("IMAP with an expired token: %v, want ErrTokenRefused", err)
		}
		// The session itself refreshed in time: its current token still works.
		c, _, err := r.op.DialIMAP(r.ctx, Credentials{BAL: r.a.Pharmacy, Token: s}, nil)
		if err != nil {
			t.Fatalf("IMAP with the session: %v", err)
		}
		c.Close()
	})
	t.Run("ended session", func(t *testing.T) {
		r.srv.PSC().EndSessions(cpstest.Titulaire.NationalID, "test")
		select {
		case <-s.Done():
		case <-time.After(15 * time.Second):
			t.Fatal("the session did not end")
		}
		_, _, err := r.op.DialIMAP(r.ctx, Credentials{BAL: r.a.Pharmacy, Token: s}, nil)
		if !errors.Is(err, psc.ErrSessionEnded) {
			t.Fatalf("IMAP after the session ended: %v, want psc.ErrSessionEnded", err)
		}
	})
}

// TestPSCRefuseOAuthWithoutTLS: the token never leaves before TLS; the source is not even
// asked.
func TestPSCRefuseOAuthWithoutTLS(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got := make(chan string, 10)
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		fmt.Fprint(c, "* OK [CAPABILITY IMAP4rev1 AUTH=XOAUTH2 AUTH=OAUTHBEARER] plaintext server\r\n")
		sc := bufio.NewScanner(c)
		for sc.Scan() {
			line := sc.Text()
			got <- line
			var tag, cmd string
			fmt.Sscan(line, &tag, &cmd)
			fmt.Fprintf(c, "%s NO %s refused\r\n", tag, cmd)
		}
	}()
	pool := x509.NewCertPool()
	pool.AddCert(selfSigned(t, "TEST AC").cert)
	op := Operator{IMAPAddr: l.Addr().String(), RootCAs: pool}
	src := &countingSource{}
	_, _, err = op.DialIMAP(t.Context(), Credentials{BAL: testBAL, Token: src}, nil)
	if !errors.Is(err, ErrNoTLS) {
		t.Fatalf("err = %v, want ErrNoTLS", err)
	}
	if src.n.Load() != 0 {
		t.Error("the token source was asked before TLS")
	}
	for len(got) > 0 {
		if line := <-got; strings.Contains(line, "AUTHENTICATE") {
			t.Fatalf("the client tried to authenticate in clear text: %q", line)
		}
	}
}

type countingSource struct{ n atomic.Int32 }

func (c *countingSource) Token(context.Context) (string, error) {
	c.n.Add(1)
	return "token", nil
}

// TestPSCLongSyncRefresh: the engine syncs a large BAL with 3-second access tokens; the
// connection drops mid-sync and comes back after the first token expired, and a message is
// sent meanwhile. The session refreshed before expiry, so every login succeeds with a fresh
// token and the sync completes.
func TestPSCLongSyncRefresh(t *testing.T) {
	t.Parallel()
	r := newPSCRig(t, sandbox.PSCOptions{AccessTTL: 3 * time.Second})
	s := r.login(cpstest.Titulaire.NationalID)
	bal := r.a.Titulaire
	// Fill the BAL (through IMAP APPEND with the token).
	c, _, err := r.op.DialIMAP(r.ctx, Credentials{BAL: bal, Token: s}, nil)
	if err != nil {
		t.Fatal(err)
	}
	const n = 150
	for i := range n {
		raw := bigMessage(i, bal)
		cmd := c.Append("INBOX", int64(len(raw)), nil)
		if _, err := cmd.Write(raw); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	c.Close()
	sel := 0
	{
		c, _, err := r.op.DialIMAP(r.ctx, Credentials{BAL: bal, Token: s}, nil)
		if err != nil {
			t.Fatal(err)
		}
		d, err := c.Select("INBOX", nil).Wait()
		if err != nil {
			t.Fatal(err)
		}
		sel = int(d.NumMessages)
		c.Close()
	}

	p, err := startFaultProxy(r.srv.IMAPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	st := openTempStore(t, t.TempDir())
	src := &recordingSource{TokenSource: s}
	op := r.op
	op.IMAPAddr = p.Addr
	e := NewEngine(EngineConfig{Operator: op, Token: src, Store: st, BALs: []string{bal}, Author: "899700412358 BONNEFOY Élise",
		NIL: "Comptoir/test", Logger: slog.New(slog.DiscardHandler),
		// The reconnection waits 4 to 8 s: longer than an access token lives.
		MinBackoff: 8 * time.Second, MaxBackoff: 8 * time.Second})
	p.CutNextAfter(1 << 20) // the first connection drops mid-sync
	e.Start(r.ctx)
	defer e.Stop()
	var offline []error
	waitEvent[Offline](t, e.Events(), 30*time.Second, func(o Offline) bool { offline = append(offline, o.Err); return true })
	if p.Cuts() != 1 {
		t.Fatalf("cuts = %d, want 1 (%v)", p.Cuts(), offline)
	}
	// While offline, once the first connection's token has expired, queue a message: the
	// worker reconnects and submission logs in, both with a refreshed token.
	firstAt := src.firstAt()
	waitUntil(t, 10*time.Second, "the first access token to expire", func() bool { return time.Since(firstAt) > 3*time.Second })
	d := msg.Draft{From: msg.Address{Email: bal}, To: []msg.Address{{Email: r.a.Doctor}},
		Subject: "Envoi pendant la synchronisation", Text: "Bonjour.\n"}
	if _, err := e.Send(r.ctx, d); err != nil {
		t.Fatal(err)
	}
	waitEvent[Synced](t, e.Events(), 60*time.Second, func(Synced) bool {
		got, _, _ := st.Counts(bal, "INBOX")
		return got == sel
	})
	for _, err := range offline {
		if errors.Is(err, ErrTokenRefused) {
			t.Errorf("a login was refused: %v", err)
		}
	}
	if src.distinct() < 2 {
		t.Errorf("%d distinct access tokens used, want a refreshed one after the cut", src.distinct())
	}
	waitUntil(t, 30*time.Second, "the message sent during the sync", func() bool {
		msgs, _ := r.srv.Messages(r.a.Doctor)
		for _, m := range msgs {
			if strings.Contains(string(m), "Envoi pendant la synchronisation") {
				return true
			}
		}
		return false
	})
	entries, err := st.AuditQuery(store.AuditFilter{BAL: bal})
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		if en.Action == ActionLogin && !en.OK && strings.Contains(en.Response, "refused") {
			t.Errorf("login refused: %s", en.Response)
		}
	}
}

// bigMessage is message i of a large mailbox (tens of kilobytes each).
func bigMessage(i int, to string) []byte { return mailgen.Message(6, i, to) }

func startFaultProxy(target string) (*faultproxy.Proxy, error) { return faultproxy.Start(target) }

// openTempStore opens an encrypted store in dir with a fresh key (a PSC login has no card).
func openTempStore(t testing.TB, dir string) *store.Store {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(dir, "cache.db"), key, store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// waitUntil polls cond until it holds or d passes.
func waitUntil(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		<-tick.C
	}
}
