package cpstest

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math/big"
	"time"
)

// crlLifetime is the NextUpdate distance of the CRLs: long enough for any test run.
const crlLifetime = 7 * 24 * time.Hour

// Revoke revokes the certificate with this serial number (issued by this PKI) and bumps
// the CRL number; CRLs returns the updated lists from then on.
func (p *PKI) Revoke(serial *big.Int) error {
	if serial == nil {
		return fmt.Errorf("cpstest: revoke: nil serial")
	}
	hex := serial.Text(16)
	p.mu.Lock()
	defer p.mu.Unlock()
	ca, ok := p.state.Issuer[hex]
	if !ok {
		return fmt.Errorf("cpstest: revoke %s: not issued by this PKI", hex)
	}
	for _, r := range p.state.Revoked {
		if r.Serial == hex {
			return nil
		}
	}
	p.state.Revoked = append(p.state.Revoked, revocation{Serial: hex, CA: ca, At: time.Now().UTC()})
	p.state.CRLNumber++
	return p.saveState()
}

// CRLs returns the current CRL of each CA (root, PERSONNES, ORGANISATIONS), in DER.
func (p *PKI) CRLs() [][]byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out [][]byte
	for _, ca := range []*authority{p.root, p.personnes, p.organisations} {
		now := time.Now()
		der, err := p.crlAt(ca, now.Add(-time.Minute), now.Add(crlLifetime))
		if err != nil {
			// Signing with a loaded RSA key cannot fail short of a broken PKI directory,
			// which NewPKI already rejected.
			continue
		}
		out = append(out, der)
	}
	return out
}

// CRLPEM returns CRLs in PEM, concatenated (the form Dovecot's ssl_ca accepts).
func (p *PKI) CRLPEM() []byte {
	var out []byte
	for _, der := range p.CRLs() {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der})...)
	}
	return out
}

// crlAt signs ca's CRL valid from thisUpdate to nextUpdate; the caller holds p.mu.
func (p *PKI) crlAt(ca *authority, thisUpdate, nextUpdate time.Time) ([]byte, error) {
	tmpl := &x509.RevocationList{
		Number:     p.crlNumber(),
		ThisUpdate: thisUpdate,
		NextUpdate: nextUpdate,
	}
	for _, r := range p.state.Revoked {
		if r.CA != ca.file {
			continue
		}
		n, ok := new(big.Int).SetString(r.Serial, 16)
		if !ok {
			continue
		}
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries,
			x509.RevocationListEntry{SerialNumber: n, RevocationTime: r.At})
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, ca.cert, ca.key)
	if err != nil {
		return nil, fmt.Errorf("cpstest: CRL of %s: %w", ca.cert.Subject.CommonName, err)
	}
	return der, nil
}
