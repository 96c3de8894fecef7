package cpstest

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"strings"
	"time"
)

// crlURL is the distribution point of ca's CRL under base.
func crlURL(base string, ca *authority) string { return base + "/" + ca.file + ".crl" }

// intermediateFor returns ca reissued (same name and key) with a distribution point for
// the root's CRL under base, so that a client can check every certificate of a chain.
// The reissued certificates are kept per base in memory; the saved ones stay as they
// are (the test cards carry the PERSONNES one). The caller holds p.mu.
func (p *PKI) intermediateFor(ca *authority, base string) (*x509.Certificate, error) {
	key := ca.file + " " + base
	if c := p.reissued[key]; c != nil {
		return c, nil
	}
	orig := ca.cert
	tmpl := &x509.Certificate{
		SerialNumber:          newSerial(),
		RawSubject:            orig.RawSubject,
		NotBefore:             orig.NotBefore,
		NotAfter:              orig.NotAfter,
		KeyUsage:              orig.KeyUsage,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
		SubjectKeyId:          orig.SubjectKeyId,
		CRLDistributionPoints: []string{crlURL(base, p.root)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.root.cert, &ca.key.PublicKey, p.root.key)
	if err != nil {
		return nil, fmt.Errorf("cpstest: reissue %s: %w", orig.Subject.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("cpstest: reissue %s: %w", orig.Subject.CommonName, err)
	}
	if p.reissued == nil {
		p.reissued = map[string]*x509.Certificate{}
	}
	p.reissued[key] = cert
	p.state.Issuer[cert.SerialNumber.Text(16)] = p.root.file
	if err := p.saveState(); err != nil {
		return nil, err
	}
	return cert, nil
}

// CRLHandler serves the current CRL of each CA (DER, application/pkix-crl) at /<ca>.crl,
// signed at each request so that a revocation shows at once.
func (p *PKI) CRLHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimSuffix(r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:], ".crl")
		var ca *authority
		for _, a := range []*authority{p.root, p.personnes, p.organisations} {
			if a.file == name {
				ca = a
			}
		}
		if ca == nil || r.Method != http.MethodGet {
			http.NotFound(w, r)
			return
		}
		now := time.Now()
		p.mu.Lock()
		der, err := p.crlAt(ca, now.Add(-time.Minute), now.Add(crlLifetime))
		p.mu.Unlock()
		if err != nil {
			http.Error(w, "CRL unavailable", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/pkix-crl")
		_, _ = w.Write(der)
	})
}

// SignCRL returns the CRL of ca (one of Root, Personnes, Organisations) with the given
// validity and the current revocations, for tests of stale and refreshed CRLs.
func (p *PKI) SignCRL(ca *x509.Certificate, thisUpdate, nextUpdate time.Time) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, a := range []*authority{p.root, p.personnes, p.organisations} {
		if a.cert.Equal(ca) || (string(a.cert.RawSubject) == string(ca.RawSubject) && a.key.PublicKey.Equal(ca.PublicKey)) {
			return p.crlAt(a, thisUpdate, nextUpdate)
		}
	}
	return nil, errors.New("cpstest: sign CRL: not a CA of this PKI")
}

// CRLServer is a loopback HTTP server publishing a PKI's CRLs (see ServeCRLs).
type CRLServer struct {
	URL string
	srv *http.Server
	ln  net.Listener
}

// ServeCRLs starts a loopback HTTP server with CRLHandler; issue server certificates with
// ServerOptions.CRLBase set to its URL.
func (p *PKI) ServeCRLs() (*CRLServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("cpstest: CRL server: %w", err)
	}
	s := &CRLServer{URL: "http://" + ln.Addr().String(), ln: ln,
		srv: &http.Server{Handler: p.CRLHandler(), ReadHeaderTimeout: 10 * time.Second}}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the server.
func (s *CRLServer) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

// crlNumber is the CRL number of every CRL signed now; the caller holds p.mu.
func (p *PKI) crlNumber() *big.Int { return big.NewInt(p.state.CRLNumber) }
