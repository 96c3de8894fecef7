package servertrust

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Names of the CAs allowed by default to issue operator server certificates: the IGC-Santé
// ÉLÉMENTAIRE ORGANISATIONS CA and its TEST twin. Which one applies follows from the
// configured anchors: a production trust store holds only the production root.
const (
	OrganisationsCA     = "AC IGC-SANTE ELEMENTAIRE ORGANISATIONS"
	TestOrganisationsCA = "TEST AC IGC-SANTE ELEMENTAIRE ORGANISATIONS"
)

// DefaultServerCAs returns the default Config.ServerCAs.
func DefaultServerCAs() []string { return []string{OrganisationsCA, TestOrganisationsCA} }

// Config configures New.
type Config struct {
	// Roots are the IGC-Santé trust anchors; required.
	Roots *x509.CertPool
	// ServerCAs are the subject common names of the CAs that may issue a server
	// certificate (the server certificate's direct issuer); default DefaultServerCAs.
	ServerCAs []string
	// CRLs (DER) from the trust store, used like cached ones while current.
	CRLs [][]byte
	// CacheDir keeps the last valid CRL of each issuer across sessions; "" keeps them in
	// memory only. DefaultCacheDir is the usual place.
	CacheDir string
	// Client fetches CRLs; default: 15 s per fetch, proxy from the environment.
	Client *http.Client
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
	// Logger receives CRL fetch failures (never secrets); default: discarded.
	Logger *slog.Logger
}

// Verifier checks server chains (see the package documentation). It is safe for
// concurrent use; build one per session.
type Verifier struct {
	roots     *x509.CertPool
	serverCAs []string
	crls      *crlStore
}

// New returns a Verifier. It does no I/O.
func New(cfg Config) (*Verifier, error) {
	if cfg.Roots == nil {
		return nil, ErrNoAnchors
	}
	if len(cfg.ServerCAs) == 0 {
		cfg.ServerCAs = DefaultServerCAs()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 15 * time.Second,
			Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, IdleConnTimeout: 30 * time.Second}}
	}
	store := &crlStore{dir: cfg.CacheDir, client: cfg.Client, now: cfg.Now, log: cfg.Logger,
		entries: map[string]*crlEntry{}}
	for _, der := range cfg.CRLs {
		if rl, err := x509.ParseRevocationList(der); err == nil {
			store.seeds = append(store.seeds, rl)
		}
	}
	return &Verifier{roots: cfg.Roots, serverCAs: slices.Clone(cfg.ServerCAs), crls: store}, nil
}

// DefaultCacheDir is where a session keeps CRLs: comptoir/crl in the user's cache
// directory. CRLs are public and signed, so the cache is not encrypted.
func DefaultCacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("servertrust: cache dir: %w", err)
	}
	return filepath.Join(d, "comptoir", "crl"), nil
}

// Roots returns the trust anchors.
func (v *Verifier) Roots() *x509.CertPool { return v.roots }

// TLSConfig returns a client configuration checking the server as the package says:
// TLS ≥ 1.2, the anchors and serverName by crypto/tls, then VerifyChains. CRL fetches made
// during the handshake are bounded by ctx and the fetch timeout. Callers add their client
// certificate and version cap.
func (v *Verifier) TLSConfig(ctx context.Context, serverName string) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		RootCAs:    v.roots,
		ServerName: serverName,
		VerifyConnection: func(cs tls.ConnectionState) error {
			return v.VerifyChains(ctx, cs.VerifiedChains)
		},
	}
}

// VerifyChains applies the server policy to chains already verified up to an anchor
// (leaf first, anchor last); one chain that passes is enough.
func (v *Verifier) VerifyChains(ctx context.Context, chains [][]*x509.Certificate) error {
	if len(chains) == 0 {
		return fmt.Errorf("%w: no verified chain", ErrNotServerCA)
	}
	var first error
	for _, chain := range chains {
		err := v.verifyChain(ctx, chain)
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	return first
}

func (v *Verifier) verifyChain(ctx context.Context, chain []*x509.Certificate) error {
	leaf := chain[0]
	if !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageServerAuth) {
		return fmt.Errorf("%w: %q", ErrNotServerCert, leaf.Subject.CommonName)
	}
	if len(chain) < 2 || !chain[1].IsCA || !slices.Contains(v.serverCAs, chain[1].Subject.CommonName) {
		issuer := leaf.Issuer.CommonName
		return fmt.Errorf("%w: %q issued by %q", ErrNotServerCA, leaf.Subject.CommonName, issuer)
	}
	for i := 0; i+1 < len(chain); i++ {
		if err := v.crls.check(ctx, chain[i], chain[i+1]); err != nil {
			return err
		}
	}
	return nil
}
