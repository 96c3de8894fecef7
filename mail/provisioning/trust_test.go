package provisioning_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cps/cpstest"
	"comptoir/mail/provisioning"
	"comptoir/mail/servertrust"
)

// serverPKI is the real test PKI whose sandbox server certificate is issued as the test
// says.
type serverPKI struct {
	*cpstest.PKI
	opts   cpstest.ServerOptions
	issued tls.Certificate
}

func (p *serverPKI) ServerCertificateCRL(base string, hosts ...string) (tls.Certificate, error) {
	o := p.opts
	o.Hosts, o.CRLBase = hosts, base
	c, err := p.IssueServer(o)
	p.issued = c
	return c, err
}

// apiEnv is a sandbox operator and the titulaire's card.
type apiEnv struct {
	pki  *serverPKI
	srv  *sandbox.Server
	card tls.Certificate
}

func startAPI(t *testing.T, opts cpstest.ServerOptions) *apiEnv {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pki, err := cpstest.NewPKI(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p := &serverPKI{PKI: pki, opts: opts}
	srv, err := sandbox.Start(ctx, sandbox.Options{DataDir: t.TempDir(), PKI: p, Seed: true, ValidationDelay: time.Hour,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	card, err := pki.PersonCertificate(cpstest.Titulaire.Person)
	if err != nil {
		t.Fatal(err)
	}
	return &apiEnv{pki: p, srv: srv, card: card}
}

func (e *apiEnv) client(t *testing.T, base string) (*provisioning.Client, error) {
	t.Helper()
	return provisioning.New(provisioning.Config{BaseURL: base, Certificate: e.card, RootCAs: e.pki.RootPool(),
		Timeout: 20 * time.Second})
}

// TestTrustProvisioningHTTPSOnly: the API is never spoken in clear text.
func TestTrustProvisioningHTTPSOnly(t *testing.T) {
	t.Parallel()
	e := startAPI(t, cpstest.ServerOptions{})
	c, err := e.client(t, "http://"+e.srv.APIURL()[len("https://"):])
	if !errors.Is(err, provisioning.ErrInsecureURL) {
		if c != nil {
			c.Close()
		}
		t.Fatalf("an http:// provisioning URL: %v", err)
	}
	if m := provisioning.UserMessage(err); !strings.Contains(m, "https://") {
		t.Errorf("user message %q", m)
	}
}

// TestTrustProvisioningNoRedirect: an API endpoint that redirects (to the real API over
// https, or to http) is refused: the client follows no redirect.
func TestTrustProvisioningNoRedirect(t *testing.T) {
	t.Parallel()
	e := startAPI(t, cpstest.ServerOptions{})
	crl, err := e.pki.ServeCRLs()
	if err != nil {
		t.Fatal(err)
	}
	defer crl.Close()
	cert, err := e.pki.ServerCertificateCRL(crl.URL, "127.0.0.1", "localhost")
	if err != nil {
		t.Fatal(err)
	}
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"national_id":"899700412358"}`))
	}))
	defer plain.Close()
	for _, target := range []string{e.srv.APIURL(), plain.URL} {
		redirect := httptest.NewUnstartedServer(http.RedirectHandler(target+"/v1/me", http.StatusFound))
		redirect.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
		redirect.Config.ErrorLog = log.New(io.Discard, "", 0)
		redirect.StartTLS()
		c, err := e.client(t, redirect.URL)
		if err != nil {
			t.Fatal(err)
		}
		if id, err := c.Me(context.Background()); !errors.Is(err, provisioning.ErrRedirect) {
			t.Errorf("redirect to %s: %+v, %v", target, id, err)
		} else if m := provisioning.UserMessage(err); !strings.Contains(m, "rediriger") {
			t.Errorf("user message %q", m)
		}
		c.Close()
		redirect.Close()
	}
}

// TestTrustProvisioningRevokedServerRefused: the API server's certificate is revoked.
func TestTrustProvisioningRevokedServerRefused(t *testing.T) {
	t.Parallel()
	e := startAPI(t, cpstest.ServerOptions{})
	if err := e.pki.Revoke(e.pki.issued.Leaf.SerialNumber); err != nil {
		t.Fatal(err)
	}
	c, err := e.client(t, e.srv.APIURL())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Me(context.Background())
	if !errors.Is(err, servertrust.ErrRevoked) {
		t.Fatalf("revoked API server: %v", err)
	}
	if m := provisioning.UserMessage(err); !strings.Contains(m, "révoqué") {
		t.Errorf("user message %q", m)
	}
}

// TestTrustProvisioningServerFromPersonnesRefused: an API server certificate issued by
// the cards' CA.
func TestTrustProvisioningServerFromPersonnesRefused(t *testing.T) {
	t.Parallel()
	e := startAPI(t, cpstest.ServerOptions{ByPersonnes: true})
	c, err := e.client(t, e.srv.APIURL())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Me(context.Background()); !errors.Is(err, servertrust.ErrNotServerCA) {
		t.Fatalf("API server certificate from the PERSONNES CA: %v", err)
	}
}

// TestTrustProvisioningSharesTheSessionVerifier: with the session's Verifier the API
// client reuses the CRLs the mail connections fetched, and checks the server the same way.
func TestTrustProvisioningSharesTheSessionVerifier(t *testing.T) {
	t.Parallel()
	e := startAPI(t, cpstest.ServerOptions{})
	v, err := servertrust.New(servertrust.Config{Roots: e.pki.RootPool(), CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	c, err := provisioning.New(provisioning.Config{BaseURL: e.srv.APIURL(), Certificate: e.card, Trust: v})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	id, err := c.Me(context.Background())
	if err != nil || id.NationalID != cpstest.Titulaire.NationalID {
		t.Fatalf("Me: %+v, %v", id, err)
	}
}
