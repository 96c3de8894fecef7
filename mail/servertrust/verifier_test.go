package servertrust

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"comptoir/cps/cpstest"
)

// fixture is a test PKI, a server chain naming dp as CRL distribution point, and what
// the distribution point answers.
type fixture struct {
	pki   *cpstest.PKI
	chain []*x509.Certificate // leaf, intermediate, root
	dp    *httptest.Server
	serve atomic.Value // func(path string) ([]byte, int)
	hits  atomic.Int64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	pki, err := cpstest.NewPKI(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{pki: pki}
	f.serveCurrent()
	f.dp = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.hits.Add(1)
		body, code := f.serve.Load().(func(string) ([]byte, int))(r.URL.Path)
		w.WriteHeader(code)
		w.Write(body)
	}))
	t.Cleanup(f.dp.Close)
	cert, err := pki.ServerCertificateCRL(f.dp.URL)
	if err != nil {
		t.Fatal(err)
	}
	inter, err := x509.ParseCertificate(cert.Certificate[1])
	if err != nil {
		t.Fatal(err)
	}
	f.chain = []*x509.Certificate{cert.Leaf, inter, pki.Root()}
	return f
}

// serveCurrent makes the distribution point serve CRLs valid from now for a week.
func (f *fixture) serveCurrent() {
	f.serveAt(time.Now().Add(-time.Minute), time.Now().Add(7*24*time.Hour))
}

func (f *fixture) serveAt(this, next time.Time) {
	f.serve.Store(func(path string) ([]byte, int) {
		ca := f.pki.Organisations()
		if strings.HasSuffix(path, "/root.crl") {
			ca = f.pki.Root()
		}
		der, err := f.pki.SignCRL(ca, this, next)
		if err != nil {
			return []byte(err.Error()), http.StatusInternalServerError
		}
		return der, http.StatusOK
	})
}

func (f *fixture) verifier(t *testing.T, cfg Config) *Verifier {
	t.Helper()
	cfg.Roots = f.pki.RootPool()
	v, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (f *fixture) check(v *Verifier) error {
	return v.VerifyChains(context.Background(), [][]*x509.Certificate{f.chain})
}

func TestTrustVerifierAcceptsACurrentChainAndCachesIt(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	v := f.verifier(t, Config{CacheDir: dir})
	if err := f.check(v); err != nil {
		t.Fatal(err)
	}
	if err := f.check(v); err != nil || f.hits.Load() != 2 {
		t.Fatalf("second check: %v, %d fetches (want 2: once per issuer)", err, f.hits.Load())
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.crl"))
	if len(files) != 2 {
		t.Fatalf("%d CRLs cached, want 2", len(files))
	}
}

// TestTrustVerifierRefusesForeignCRLs: a CRL signed by another CA at the distribution
// point, garbage, or a PEM CRL (accepted: some CAs publish PEM).
func TestTrustVerifierRefusesForeignCRLs(t *testing.T) {
	f := newFixture(t)
	other, err := cpstest.NewPKI(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := other.SignCRL(other.Organisations(), time.Now().Add(-time.Minute), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	f.serve.Store(func(string) ([]byte, int) { return foreign, http.StatusOK })
	if err := f.check(f.verifier(t, Config{})); !errors.Is(err, ErrNoCRL) || !strings.Contains(err.Error(), "another issuer") {
		t.Errorf("CRL of another CA: %v", err)
	}
	f.serve.Store(func(string) ([]byte, int) { return []byte("<html>maintenance</html>"), http.StatusOK })
	if err := f.check(f.verifier(t, Config{})); !errors.Is(err, ErrNoCRL) {
		t.Errorf("garbage CRL: %v", err)
	}
}

// TestTrustVerifierKeepsTheNewestCRL: a replayed older CRL (lower number, from before a
// revocation) never replaces the one held.
func TestTrustVerifierKeepsTheNewestCRL(t *testing.T) {
	f := newFixture(t)
	now := time.Now()
	old, err := f.pki.SignCRL(f.pki.Organisations(), now.Add(-time.Minute), now.Add(7*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.pki.Revoke(f.chain[0].SerialNumber); err != nil {
		t.Fatal(err)
	}
	clock := now
	v := f.verifier(t, Config{Now: func() time.Time { return clock }})
	if err := f.check(v); !errors.Is(err, ErrRevoked) {
		t.Fatalf("revoked: %v", err)
	}
	f.serve.Store(func(path string) ([]byte, int) {
		if strings.HasSuffix(path, "/root.crl") {
			der, _ := f.pki.SignCRL(f.pki.Root(), now.Add(-time.Minute), now.Add(7*24*time.Hour))
			return der, http.StatusOK
		}
		return old, http.StatusOK
	})
	clock = now.Add(5 * 24 * time.Hour) // refresh due: the old CRL is offered again
	if err := f.check(v); !errors.Is(err, ErrRevoked) {
		t.Fatalf("after a replayed CRL: %v", err)
	}
}

// TestTrustVerifierIgnoresADamagedCache: a truncated cache file is not a CRL; the
// distribution point is used instead.
func TestTrustVerifierIgnoresADamagedCache(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	if err := f.check(f.verifier(t, Config{CacheDir: dir})); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.crl"))
	for _, file := range files {
		b, _ := os.ReadFile(file)
		os.WriteFile(file, b[:len(b)/2], 0o600)
	}
	before := f.hits.Load()
	if err := f.check(f.verifier(t, Config{CacheDir: dir})); err != nil {
		t.Fatal(err)
	}
	if f.hits.Load() == before {
		t.Error("a damaged cache was used")
	}
}

// TestTrustVerifierNoDistributionPoint: a certificate that names no http distribution
// point cannot be checked.
func TestTrustVerifierNoDistributionPoint(t *testing.T) {
	f := newFixture(t)
	bare, err := f.pki.ServerCertificate()
	if err != nil {
		t.Fatal(err)
	}
	chain := []*x509.Certificate{bare.Leaf, f.pki.Organisations(), f.pki.Root()}
	err = f.verifier(t, Config{}).VerifyChains(context.Background(), [][]*x509.Certificate{chain})
	if !errors.Is(err, ErrNoCRL) || !strings.Contains(err.Error(), "no http CRL distribution point") {
		t.Fatalf("no distribution point: %v", err)
	}
}

// TestTrustVerifierConcurrentChecks: connections of several BALs check at once; each
// issuer's CRL is fetched once.
func TestTrustVerifierConcurrentChecks(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t, Config{CacheDir: t.TempDir()})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() { errs <- f.check(v) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := f.hits.Load(); n != 2 {
		t.Errorf("%d fetches for 16 concurrent checks, want 2", n)
	}
}

func TestTrustUserMessagesDistinctAndFrench(t *testing.T) {
	seen := map[string]bool{}
	for _, err := range []error{ErrRevoked, ErrNoCRL, ErrNotServerCA, ErrNotServerCert, ErrNoAnchors} {
		m := UserMessage(errors.Join(errors.New("context"), err))
		if m == "" || seen[m] || !strings.ContainsAny(m, "éèàç") {
			t.Errorf("%v: %q", err, m)
		}
		seen[m] = true
	}
	if UserMessage(errors.New("dial tcp: refused")) != "" {
		t.Error("a network error got a trust message")
	}
}
