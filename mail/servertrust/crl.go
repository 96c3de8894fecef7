package servertrust

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

const (
	// maxCRLBytes bounds a fetched CRL (the IGC-Santé PERSONNES CRL is a few megabytes).
	maxCRLBytes = 32 << 20
	// retryAfter spaces the refresh attempts of a CRL that is still current.
	retryAfter = 5 * time.Minute
)

// crlStore holds the last valid CRL of each issuer, fetches and caches them.
type crlStore struct {
	dir    string
	client *http.Client
	now    func() time.Time
	log    *slog.Logger
	seeds  []*x509.RevocationList

	mu      sync.Mutex // guards entries
	entries map[string]*crlEntry
}

// crlEntry is the state of one issuer's CRL.
type crlEntry struct {
	mu      sync.Mutex // one fetch at a time per issuer
	loaded  bool       // seeds and disk cache looked at
	list    *x509.RevocationList
	lastTry time.Time
	lastErr error
}

// issuerKey names an issuer by its name and key.
func issuerKey(issuer *x509.Certificate) string {
	h := sha256.New()
	h.Write(issuer.RawSubject)
	h.Write(issuer.RawSubjectPublicKeyInfo)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func (s *crlStore) entry(key string) *crlEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entries[key]
	if e == nil {
		e = &crlEntry{}
		s.entries[key] = e
	}
	return e
}

// check refuses cert when no current CRL of issuer is available or when it lists cert.
func (s *crlStore) check(ctx context.Context, cert, issuer *x509.Certificate) error {
	key := issuerKey(issuer)
	e := s.entry(key)
	e.mu.Lock()
	defer e.mu.Unlock()
	now := s.now()
	if !e.loaded {
		e.loaded = true
		e.list = newest(e.list, s.fromSeeds(issuer))
		e.list = newest(e.list, s.load(key, issuer))
	}
	if e.list == nil || refreshDue(e.list, now) {
		if e.list == nil || !current(e.list, now) || now.Sub(e.lastTry) >= retryAfter || e.lastTry.After(now) {
			e.lastTry = now
			rl, err := s.fetch(ctx, cert, issuer, now)
			e.lastErr = err
			if err != nil {
				s.log.Warn("CRL fetch failed", "issuer", issuer.Subject.CommonName, "err", err)
			} else if n := newest(e.list, rl); n == rl {
				e.list = rl
				if err := s.save(key, rl.Raw); err != nil {
					s.log.Warn("CRL not cached", "issuer", issuer.Subject.CommonName, "err", err)
				}
			}
		}
	}
	name := issuer.Subject.CommonName
	switch {
	case e.list == nil && e.lastErr != nil:
		return fmt.Errorf("%w: CRL of %q: %v", ErrNoCRL, name, e.lastErr)
	case e.list == nil:
		return fmt.Errorf("%w: CRL of %q unavailable", ErrNoCRL, name)
	case !current(e.list, now):
		return fmt.Errorf("%w: last CRL of %q is valid from %s to %s, not at %s (fetch: %v)", ErrNoCRL, name,
			e.list.ThisUpdate.UTC().Format(time.RFC3339), e.list.NextUpdate.UTC().Format(time.RFC3339),
			now.UTC().Format(time.RFC3339), e.lastErr)
	}
	for _, r := range e.list.RevokedCertificateEntries {
		if r.SerialNumber.Cmp(cert.SerialNumber) == 0 && !r.RevocationTime.After(now) {
			return fmt.Errorf("%w: %q (serial %s) since %s", ErrRevoked, cert.Subject.CommonName, cert.SerialNumber.Text(16),
				r.RevocationTime.UTC().Format(time.RFC3339))
		}
	}
	return nil
}

// current reports ThisUpdate ≤ now < NextUpdate; a CRL without NextUpdate never is.
func current(rl *x509.RevocationList, now time.Time) bool {
	return !rl.NextUpdate.IsZero() && !now.Before(rl.ThisUpdate) && now.Before(rl.NextUpdate)
}

// refreshDue reports that half of the CRL's validity has passed: fetch a newer one while
// this one still holds.
func refreshDue(rl *x509.RevocationList, now time.Time) bool {
	if rl.NextUpdate.IsZero() {
		return true
	}
	return !now.Before(rl.ThisUpdate.Add(rl.NextUpdate.Sub(rl.ThisUpdate) / 2))
}

// newest returns the more recent of two CRLs of one issuer (nil-safe): a later ThisUpdate
// and never a lower CRL number, so a replayed older CRL cannot replace a newer one.
func newest(a, b *x509.RevocationList) *x509.RevocationList {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case a.Number != nil && b.Number != nil && b.Number.Cmp(a.Number) < 0:
		return a
	case b.ThisUpdate.Before(a.ThisUpdate):
		return a
	}
	return b
}

// issuedBy checks that rl is a CRL of issuer: its name and its signature.
func issuedBy(rl *x509.RevocationList, issuer *x509.Certificate) error {
	if !bytes.Equal(rl.RawIssuer, issuer.RawSubject) {
		return errors.New("CRL of another issuer")
	}
	if err := rl.CheckSignatureFrom(issuer); err != nil {
		return fmt.Errorf("CRL signature: %w", err)
	}
	return nil
}

func (s *crlStore) fromSeeds(issuer *x509.Certificate) *x509.RevocationList {
	var best *x509.RevocationList
	for _, rl := range s.seeds {
		if issuedBy(rl, issuer) == nil {
			best = newest(best, rl)
		}
	}
	return best
}

// fetch downloads the CRL of issuer from cert's distribution points (http and https; LDAP
// is not spoken) and returns the first one that is issuer's, correctly signed and current.
func (s *crlStore) fetch(ctx context.Context, cert, issuer *x509.Certificate, now time.Time) (*x509.RevocationList, error) {
	var errs []error
	tried := 0
	for _, dp := range cert.CRLDistributionPoints {
		if !strings.HasPrefix(dp, "http://") && !strings.HasPrefix(dp, "https://") {
			continue
		}
		tried++
		rl, err := s.fetchOne(ctx, dp)
		if err == nil {
			err = issuedBy(rl, issuer)
		}
		if err == nil && !current(rl, now) {
			err = fmt.Errorf("stale CRL (ThisUpdate %s, NextUpdate %s)", rl.ThisUpdate.UTC().Format(time.RFC3339),
				rl.NextUpdate.UTC().Format(time.RFC3339))
		}
		if err == nil {
			return rl, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", dp, err))
	}
	if tried == 0 {
		return nil, fmt.Errorf("%q has no http CRL distribution point", cert.Subject.CommonName)
	}
	return nil, errors.Join(errs...)
}

func (s *crlStore) fetchOne(ctx context.Context, url string) (*x509.RevocationList, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxCRLBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxCRLBytes {
		return nil, errors.New("CRL too large")
	}
	return parseCRL(data)
}

// parseCRL reads a DER or PEM CRL.
func parseCRL(data []byte) (*x509.RevocationList, error) {
	if b, _ := pem.Decode(data); b != nil {
		data = b.Bytes
	}
	rl, err := x509.ParseRevocationList(data)
	if err != nil {
		return nil, fmt.Errorf("parse CRL: %w", err)
	}
	return rl, nil
}
