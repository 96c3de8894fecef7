package mail

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"comptoir/cps/cpstest"
	"comptoir/mail/servertrust"
)

// wantRefused checks that both services refused the server with sentinel and that the
// user is told so in French.
func wantRefused(t *testing.T, what string, imapErr, smtpErr, sentinel error, french string) {
	t.Helper()
	for name, err := range map[string]error{"IMAP": imapErr, "SMTP": smtpErr} {
		if !errors.Is(err, sentinel) {
			t.Errorf("%s, %s: err = %v, want %v", what, name, err, sentinel)
			continue
		}
		if m := UserMessage(err); !strings.Contains(m, french) {
			t.Errorf("%s, %s: user message %q, want it to say %q", what, name, m, french)
		}
	}
}

func wantAccepted(t *testing.T, what string, imapErr, smtpErr error) {
	t.Helper()
	if imapErr != nil || smtpErr != nil {
		t.Fatalf("%s: IMAP %v, SMTP %v", what, imapErr, smtpErr)
	}
}

// TestTrustRevokedServerCertRefused: the operator's server certificate is revoked and
// its CRL is published at its distribution point: IMAP and submission refuse the server.
func TestTrustRevokedServerCertRefused(t *testing.T) {
	t.Parallel()
	e := startTrustEnv(t, cpstest.ServerOptions{})
	if err := e.pki.Revoke(e.pki.issued.Leaf.SerialNumber); err != nil {
		t.Fatal(err)
	}
	imapErr, smtpErr := e.dial(e.operator())
	wantRefused(t, "revoked server certificate", imapErr, smtpErr, ErrRevoked, "révoqué")
}

// TestTrustMissingCRLRefused: the distribution point is down and no CRL is known: the
// client cannot tell whether the server is revoked and refuses it.
func TestTrustMissingCRLRefused(t *testing.T) {
	t.Parallel()
	e := startTrustEnv(t, cpstest.ServerOptions{})
	e.pki.setMode(crlDown)
	imapErr, smtpErr := e.dial(e.operator())
	wantRefused(t, "no CRL", imapErr, smtpErr, servertrust.ErrNoCRL, "liste de révocation")
}

// TestTrustStaleCRLRefused: only CRLs whose NextUpdate has passed are available, from
// the distribution point and from the trust store.
func TestTrustStaleCRLRefused(t *testing.T) {
	t.Parallel()
	e := startTrustEnv(t, cpstest.ServerOptions{})
	e.pki.setMode(crlStale)
	op := e.operator()
	for _, ca := range []*x509.Certificate{e.pki.Root(), e.pki.Organisations()} {
		der, err := e.pki.SignCRL(ca, time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		op.CRLs = append(op.CRLs, der)
	}
	imapErr, smtpErr := e.dial(op)
	wantRefused(t, "stale CRLs", imapErr, smtpErr, servertrust.ErrNoCRL, "périmée")
}

// clock is the session's clock in the refresh tests.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// session returns an Operator with a session Verifier on clock c caching CRLs in dir.
func (e *trustEnv) session(t *testing.T, c *clock, dir string) Operator {
	t.Helper()
	v, err := servertrust.New(servertrust.Config{Roots: e.pki.RootPool(), CacheDir: dir, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	op := e.operator()
	op.Trust = v
	return op
}

// TestTrustCRLRefreshedBeforeNextUpdate: a session keeps the CRLs it fetched while they
// are fresh, and fetches them again once half their validity has passed, before
// NextUpdate: the revocation published meanwhile is then seen.
func TestTrustCRLRefreshedBeforeNextUpdate(t *testing.T) {
	t.Parallel()
	e := startTrustEnv(t, cpstest.ServerOptions{})
	c := &clock{e.pki.now}
	op := e.session(t, c, t.TempDir())
	imapErr, smtpErr := e.dial(op)
	wantAccepted(t, "first connection", imapErr, smtpErr)
	fetched := e.pki.fetches()
	if fetched != 2 {
		t.Fatalf("%d CRL fetches for the first connection, want 2 (ORGANISATIONS and root)", fetched)
	}
	if err := e.pki.Revoke(e.pki.issued.Leaf.SerialNumber); err != nil {
		t.Fatal(err)
	}
	c.t = c.t.Add(24 * time.Hour)
	imapErr, smtpErr = e.dial(op)
	wantAccepted(t, "a day later, with the CRLs of the session", imapErr, smtpErr)
	if e.pki.fetches() != fetched {
		t.Fatalf("CRLs fetched again while fresh (%d fetches)", e.pki.fetches())
	}
	c.t = c.t.Add(3 * 24 * time.Hour) // 4 days of the 7: refresh due
	e.pki.setNow(c.t)
	imapErr, smtpErr = e.dial(op)
	wantRefused(t, "after the refresh", imapErr, smtpErr, ErrRevoked, "révoqué")
	if e.pki.fetches() == fetched {
		t.Fatal("the CRLs were not refreshed")
	}
}

// TestTrustCRLRefreshedAfterNextUpdate: the CRL held has expired while the distribution
// point was down (refused); once the distribution point is back, a new CRL is fetched.
func TestTrustCRLRefreshedAfterNextUpdate(t *testing.T) {
	t.Parallel()
	e := startTrustEnv(t, cpstest.ServerOptions{})
	c := &clock{e.pki.now}
	op := e.session(t, c, t.TempDir())
	imapErr, smtpErr := e.dial(op)
	wantAccepted(t, "first connection", imapErr, smtpErr)
	e.pki.setMode(crlDown)
	c.t = c.t.Add(8 * 24 * time.Hour) // past NextUpdate
	imapErr, smtpErr = e.dial(op)
	wantRefused(t, "expired CRL, distribution point down", imapErr, smtpErr, servertrust.ErrNoCRL, "périmée")
	e.pki.setNow(c.t)
	e.pki.setMode(crlServe)
	imapErr, smtpErr = e.dial(op)
	wantAccepted(t, "distribution point back", imapErr, smtpErr)
}

// TestTrustCachedCRLUsedWhenDistributionPointDown: a new session finds the CRLs of the
// previous one on disk and uses them while they are current, even though the
// distribution point is down; once they expire, it refuses.
func TestTrustCachedCRLUsedWhenDistributionPointDown(t *testing.T) {
	t.Parallel()
	e := startTrustEnv(t, cpstest.ServerOptions{})
	dir := t.TempDir()
	c := &clock{e.pki.now}
	imapErr, smtpErr := e.dial(e.session(t, c, dir))
	wantAccepted(t, "first session", imapErr, smtpErr)
	e.pki.setMode(crlDown)
	before := e.pki.fetches()
	later := &clock{c.t.Add(5 * 24 * time.Hour)} // refresh due, still current
	op := e.session(t, later, dir)
	imapErr, smtpErr = e.dial(op)
	wantAccepted(t, "next session, distribution point down", imapErr, smtpErr)
	if e.pki.fetches() == before {
		t.Error("the next session did not try to refresh the CRLs")
	}
	later.t = c.t.Add(8 * 24 * time.Hour)
	imapErr, smtpErr = e.dial(op)
	wantRefused(t, "cached CRLs expired", imapErr, smtpErr, servertrust.ErrNoCRL, "périmée")
	imapErr, smtpErr = e.dial(e.session(t, c, t.TempDir()))
	wantRefused(t, "a session with an empty cache", imapErr, smtpErr, servertrust.ErrNoCRL, "liste de révocation")
}

// TestTrustServerCertFromPersonnesRefused: a certificate from the PERSONNES CA (the
// cards' CA) chains to the IGC-Santé root but never vouches for a server.
func TestTrustServerCertFromPersonnesRefused(t *testing.T) {
	t.Parallel()
	e := startTrustEnv(t, cpstest.ServerOptions{ByPersonnes: true})
	imapErr, smtpErr := e.dial(e.operator())
	wantRefused(t, "PERSONNES server certificate", imapErr, smtpErr, servertrust.ErrNotServerCA, "autorité IGC-Santé des serveurs")
}

// TestTrustServerCertWithoutServerAuthRefused: a certificate without the serverAuth
// extended key usage (valid for anything in Go) is not a server certificate.
func TestTrustServerCertWithoutServerAuthRefused(t *testing.T) {
	t.Parallel()
	e := startTrustEnv(t, cpstest.ServerOptions{NoServerAuth: true})
	imapErr, smtpErr := e.dial(e.operator())
	wantRefused(t, "no serverAuth", imapErr, smtpErr, servertrust.ErrNotServerCert, "certificat de serveur")
}

// TestTrustSRVTargetOutsideDomainRefused: a spoofed SRV answer points at a host outside
// the operator's domain (which may hold any IGC-Santé server certificate).
func TestTrustSRVTargetOutsideDomainRefused(t *testing.T) {
	dns := fakeSRV{
		"_imap._tcp.op.fr":       {{Target: "mail.attaquant.example.", Port: 143}},
		"_submission._tcp.op.fr": {{Target: "smtp.op.fr.", Port: 587}},
	}
	op, err := DiscoverWith(context.Background(), dns, "op.fr")
	if !errors.Is(err, ErrSRVTarget) {
		t.Fatalf("SRV target outside the domain: %+v, %v", op, err)
	}
	if m := UserMessage(err); !strings.Contains(m, "hors de son domaine") {
		t.Errorf("user message %q", m)
	}
	// A look-alike suffix is not inside the domain.
	dns["_imap._tcp.op.fr"][0].Target = "imap.faux-op.fr."
	if _, err := DiscoverWith(context.Background(), dns, "op.fr"); !errors.Is(err, ErrSRVTarget) {
		t.Errorf("look-alike target: %v", err)
	}
}

// TestTrustSRVNameIsTheDomain: the name checked in the certificate is the configured
// domain, not the SRV target read from unauthenticated DNS (RFC 6186 §6).
func TestTrustSRVNameIsTheDomain(t *testing.T) {
	dns := fakeSRV{
		"_imap._tcp.op.fr":       {{Target: "imap.op.fr.", Port: 143}},
		"_submission._tcp.op.fr": {{Target: "smtp.op.fr.", Port: 587}},
	}
	op, err := DiscoverWith(context.Background(), dns, "op.fr")
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{op.IMAPAddr, op.SMTPAddr} {
		if host, _, _ := net.SplitHostPort(addr); op.serverName(addr) != "op.fr" {
			t.Errorf("%s: name checked %q, want the domain op.fr", host, op.serverName(addr))
		}
	}
}

// TestTrustSRVConfiguredHost: against the sandbox, an SRV target outside the domain
// ("localhost") is refused until the configuration lists it; then it is reached and its
// certificate checked under that name.
func TestTrustSRVConfiguredHost(t *testing.T) {
	t.Parallel()
	e := startTrustEnv(t, cpstest.ServerOptions{})
	port := func(addr string) uint16 {
		_, p, _ := net.SplitHostPort(addr)
		n, _ := strconv.Atoi(p)
		return uint16(n)
	}
	dom := e.srv.Domain()
	dns := fakeSRV{
		"_imap._tcp." + dom:       {{Target: "localhost.", Port: port(e.srv.IMAPAddr())}},
		"_submission._tcp." + dom: {{Target: "localhost.", Port: port(e.srv.SMTPAddr())}},
	}
	cfg := OperatorConfig{Domain: dom, TrustStore: []string{e.srv.TrustAnchorPath()}, CRLCache: t.TempDir()}
	if _, err := cfg.Resolve(e.ctx, dns); !errors.Is(err, ErrSRVTarget) {
		t.Fatalf("unlisted SRV target: %v", err)
	}
	cfg.Hosts = []string{"LOCALHOST"}
	op, err := cfg.Resolve(e.ctx, dns)
	if err != nil {
		t.Fatal(err)
	}
	if op.Trust == nil || op.serverName(op.IMAPAddr) != "localhost" {
		t.Fatalf("resolved %+v", op)
	}
	imapErr, smtpErr := e.dial(op)
	wantAccepted(t, "configured SRV target", imapErr, smtpErr)
}
