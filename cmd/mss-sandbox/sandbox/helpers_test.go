package sandbox

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"comptoir/cps/cpstest"
)

// The test PKI is shared by the package's tests: creating its CAs costs several RSA key
// generations. Each test issues its own certificates.
var (
	pkiOnce sync.Once
	pkiVal  *cpstest.PKI
	pkiErr  error
	pkiDir  string
)

func testPKI(t testing.TB) *cpstest.PKI {
	t.Helper()
	pkiOnce.Do(func() {
		pkiDir, pkiErr = os.MkdirTemp("", "sandbox-pki-")
		if pkiErr == nil {
			pkiVal, pkiErr = cpstest.NewPKI(pkiDir)
		}
	})
	if pkiErr != nil {
		t.Fatalf("test PKI: %v", pkiErr)
	}
	return pkiVal
}

func TestMain(m *testing.M) {
	code := m.Run()
	if pkiDir != "" {
		os.RemoveAll(pkiDir)
	}
	os.Exit(code)
}

type env struct {
	t   testing.TB
	pki *cpstest.PKI
	srv *Server
	dir string
	a   SeedAddresses
}

func startEnv(t testing.TB, mod func(*Options)) *env {
	t.Helper()
	pki := testPKI(t)
	dir := t.TempDir()
	opts := Options{DataDir: dir, PKI: pki, Seed: true, ValidationDelay: time.Hour,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	if mod != nil {
		mod(&opts)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return &env{t: t, pki: pki, srv: srv, dir: dir, a: Seed(srv.Domain())}
}

// personCert is a card's authentication certificate as a TLS client certificate.
func (e *env) personCert(p cpstest.Person) tls.Certificate {
	e.t.Helper()
	cert, err := e.pki.PersonCertificate(p)
	if err != nil {
		e.t.Fatalf("PersonCertificate: %v", err)
	}
	return cert
}

func (e *env) clientTLS(cert *tls.Certificate) *tls.Config {
	cfg := &tls.Config{RootCAs: e.pki.RootPool(), ServerName: "localhost", MinVersion: tls.VersionTLS12}
	if cert != nil {
		c := *cert
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &c, nil }
	}
	return cfg
}

// imapLogin dials the STARTTLS port (or the implicit TLS port) and authenticates with
// EXTERNAL for authzid. The client is closed at the end of the test.
func (e *env) imapLogin(cert *tls.Certificate, authzid string, implicit bool, opts *imapclient.Options) (*imapclient.Client, error) {
	e.t.Helper()
	if opts == nil {
		opts = &imapclient.Options{}
	}
	opts.TLSConfig = e.clientTLS(cert)
	var c *imapclient.Client
	var err error
	if implicit {
		c, err = imapclient.DialTLS(e.srv.IMAPSAddr(), opts)
	} else {
		c, err = imapclient.DialStartTLS(e.srv.IMAPAddr(), opts)
	}
	if err != nil {
		return nil, err
	}
	e.t.Cleanup(func() { c.Close() })
	// With TLS 1.3 a refused client certificate surfaces at the first read.
	if _, err := c.Capability().Wait(); err != nil {
		return c, err
	}
	if err := c.Authenticate(sasl.NewExternalClient(authzid)); err != nil {
		return c, err
	}
	return c, nil
}

// smtpClient dials the submission port, STARTTLS with cert and AUTH EXTERNAL.
func (e *env) smtpClient(cert *tls.Certificate, authzid string) (*smtp.Client, error) {
	e.t.Helper()
	c, err := smtp.DialStartTLS(e.srv.SMTPAddr(), e.clientTLS(cert))
	if err != nil {
		return nil, err
	}
	e.t.Cleanup(func() { c.Close() })
	if err := c.Auth(sasl.NewExternalClient(authzid)); err != nil {
		return c, err
	}
	return c, nil
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
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

func smtpCode(err error) int {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

// smtpDialOnly connects and runs STARTTLS without authenticating.
func smtpDialOnly(e *env, cert *tls.Certificate) (*smtp.Client, error) {
	c, err := smtp.DialStartTLS(e.srv.SMTPAddr(), e.clientTLS(cert))
	if err != nil {
		return nil, err
	}
	e.t.Cleanup(func() { c.Close() })
	return c, nil
}
