// Package testpki issues a throw-away IGC-Santé-like PKI for the mail engine's tests and
// benchmark: one root, a server certificate, person (CPS-like) client certificates and a CRL.
//
// It stands in for cps/cpstest where a software key is enough (the Dovecot and mbsync side
// of the tests); the engine's own client side uses the SoftHSM cards whenever they are available.
package testpki

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// PKI is one root CA issuing every certificate directly.
type PKI struct {
	Root    *x509.Certificate
	rootKey *rsa.PrivateKey

	mu      sync.Mutex
	serial  int64
	revoked []x509.RevocationListEntry
}

// New creates a fresh root CA.
func New() (*PKI, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("testpki: root key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject: pkix.Name{CommonName: "TEST AC RACINE IGC-SANTE ELEMENTAIRE", Organization: []string{"ASIP-SANTE"},
			OrganizationalUnit: []string{"IGC-SANTE TEST"}, Country: []string{"FR"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("testpki: root: %w", err)
	}
	root, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("testpki: root: %w", err)
	}
	return &PKI{Root: root, rootKey: key, serial: 1}, nil
}

// RootPEM returns the root certificate in PEM.
func (p *PKI) RootPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.Root.Raw})
}

// RootPool returns a pool holding only the root.
func (p *PKI) RootPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.Root)
	return pool
}

func (p *PKI) issue(tmpl *x509.Certificate) (*x509.Certificate, *rsa.PrivateKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, fmt.Errorf("testpki: key: %w", err)
	}
	p.mu.Lock()
	p.serial++
	tmpl.SerialNumber = big.NewInt(p.serial)
	p.mu.Unlock()
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	if tmpl.NotAfter.IsZero() {
		tmpl.NotAfter = time.Now().Add(24 * time.Hour)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.Root, key.Public(), p.rootKey)
	if err != nil {
		return nil, nil, fmt.Errorf("testpki: issue %s: %w", tmpl.Subject.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("testpki: parse: %w", err)
	}
	return cert, key, nil
}

// Server issues a TLS server certificate for hosts (names or IP addresses).
func (p *PKI) Server(hosts ...string) (tls.Certificate, error) {
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: hosts[0], Organization: []string{"OPERATEUR TEST"}},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	cert, key, err := p.issue(tmpl)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}, nil
}

// Person issues a CPS-like authentication certificate whose CN is the national id.
func (p *PKI) Person(nationalID, surname, given string) (tls.Certificate, error) {
	tmpl := &x509.Certificate{
		Subject: pkix.Name{CommonName: nationalID, Country: []string{"FR"},
			ExtraNames: []pkix.AttributeTypeAndValue{
				{Type: []int{2, 5, 4, 4}, Value: surname},
				{Type: []int{2, 5, 4, 42}, Value: given},
			}},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	cert, key, err := p.issue(tmpl)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}, nil
}

// Revoke adds serial to the CRL.
func (p *PKI) Revoke(serial *big.Int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.revoked = append(p.revoked, x509.RevocationListEntry{SerialNumber: serial, RevocationTime: time.Now()})
}

// CRL returns the current CRL in DER.
func (p *PKI) CRL() ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number:                    big.NewInt(time.Now().UnixNano()),
		ThisUpdate:                time.Now().Add(-time.Minute),
		NextUpdate:                time.Now().Add(24 * time.Hour),
		RevokedCertificateEntries: p.revoked,
	}, p.Root, p.rootKey)
	if err != nil {
		return nil, fmt.Errorf("testpki: crl: %w", err)
	}
	return der, nil
}

// WritePEM writes a certificate (and its key when key is non-nil) as PEM files in dir and
// returns their paths: the form Dovecot and mbsync read.
func WritePEM(dir, name string, c tls.Certificate) (certPath, keyPath string, err error) {
	var certPEM []byte
	for _, der := range c.Certificate {
		certPEM = append(certPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	certPath = filepath.Join(dir, name+".crt")
	if err := os.WriteFile(certPath, certPEM, 0o644); err != nil {
		return "", "", fmt.Errorf("testpki: write %s: %w", certPath, err)
	}
	signer, ok := c.PrivateKey.(crypto.Signer)
	if !ok {
		return certPath, "", nil
	}
	der, err := x509.MarshalPKCS8PrivateKey(signer)
	if err != nil {
		return "", "", fmt.Errorf("testpki: marshal key: %w", err)
	}
	keyPath = filepath.Join(dir, name+".key")
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return "", "", fmt.Errorf("testpki: write %s: %w", keyPath, err)
	}
	return certPath, keyPath, nil
}
