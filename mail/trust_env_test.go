package mail

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cps/cpstest"
)

// crlMode is what the test's CRL distribution point does.
type crlMode int

const (
	crlServe crlMode = iota // the current CRL, valid from the test clock on
	crlDown                 // 503, as an unreachable IGC-Santé site
	crlStale                // a CRL whose NextUpdate has passed
)

// faultPKI is the real test PKI, with its CRL distribution point moved to a server the
// test controls and the sandbox's server certificate issued as the test says.
type faultPKI struct {
	*cpstest.PKI
	dp     *httptest.Server
	server cpstest.ServerOptions

	mu     sync.Mutex
	mode   crlMode
	now    time.Time // the distribution point signs CRLs valid from now
	hits   int
	issued tls.Certificate
}

func (f *faultPKI) ServerCertificateCRL(_ string, hosts ...string) (tls.Certificate, error) {
	o := f.server
	o.Hosts, o.CRLBase = hosts, f.dp.URL
	c, err := f.PKI.IssueServer(o)
	f.mu.Lock()
	f.issued = c
	f.mu.Unlock()
	return c, err
}

func (f *faultPKI) setMode(m crlMode) {
	f.mu.Lock()
	f.mode = m
	f.mu.Unlock()
}

func (f *faultPKI) setNow(t time.Time) {
	f.mu.Lock()
	f.now = t
	f.mu.Unlock()
}

func (f *faultPKI) fetches() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits
}

func (f *faultPKI) serveCRL(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	mode, now := f.mode, f.now
	f.hits++
	f.mu.Unlock()
	ca := f.Organisations()
	if r.URL.Path == "/root.crl" {
		ca = f.Root()
	}
	var der []byte
	var err error
	switch mode {
	case crlDown:
		http.Error(w, "service indisponible", http.StatusServiceUnavailable)
		return
	case crlStale:
		der, err = f.SignCRL(ca, now.Add(-48*time.Hour), now.Add(-24*time.Hour))
	default:
		der, err = f.SignCRL(ca, now.Add(-time.Minute), now.Add(7*24*time.Hour))
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/pkix-crl")
	_, _ = w.Write(der)
}

// trustEnv is the sandbox operator behind a faultPKI, and the titulaire's card.
type trustEnv struct {
	ctx  context.Context
	pki  *faultPKI
	srv  *sandbox.Server
	cred Credentials
	bal  string
}

func startTrustEnv(t *testing.T, server cpstest.ServerOptions) *trustEnv {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	pki, err := cpstest.NewPKI(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f := &faultPKI{PKI: pki, server: server, now: time.Now()}
	f.dp = httptest.NewServer(http.HandlerFunc(f.serveCRL))
	t.Cleanup(f.dp.Close)
	srv, err := sandbox.Start(ctx, sandbox.Options{DataDir: t.TempDir(), PKI: f, Seed: true, ValidationDelay: time.Hour,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	card, err := pki.PersonCertificate(cpstest.Titulaire.Person)
	if err != nil {
		t.Fatal(err)
	}
	return &trustEnv{ctx: ctx, pki: f, srv: srv, bal: sandbox.Seed(srv.Domain()).Pharmacy,
		cred: Credentials{Cert: card, BAL: sandbox.Seed(srv.Domain()).Pharmacy}}
}

// operator is how a client configured with the sandbox's trust anchor reaches it; the
// CRLs come from the distribution points only.
func (e *trustEnv) operator() Operator {
	return Operator{IMAPAddr: e.srv.IMAPAddr(), SMTPAddr: e.srv.SMTPAddr(), ServerName: e.srv.ServerName(),
		RootCAs: e.pki.RootPool(), Domain: e.srv.Domain()}
}

// dial opens and closes an IMAP and a submission session; it returns their errors.
func (e *trustEnv) dial(op Operator) (imapErr, smtpErr error) {
	c, _, imapErr := op.DialIMAP(e.ctx, e.cred, nil)
	if imapErr == nil {
		c.Close()
	}
	s, smtpErr := op.DialSMTP(e.ctx, e.cred)
	if smtpErr == nil {
		s.Close()
	}
	return imapErr, smtpErr
}
