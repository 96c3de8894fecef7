package mail

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"time"
)

// ErrRevoked means a certificate of the server's chain is listed in a CRL.
var ErrRevoked = errors.New("mail: server certificate revoked")

// ErrNoTrustStore means the operator has no trust store configured: the client never falls
// back to the system roots (only IGC-Santé is trusted).
var ErrNoTrustStore = errors.New("mail: no trust store configured")

// tlsConfig builds the client TLS configuration: TLS >= 1.2, at most maxTLS (a CPS3 card
// cannot sign RSA-PSS, so its session caps at 1.2), the card's certificate offered through
// GetClientCertificate, the server checked against the operator's trust store, its name and
// its CRLs. No ClientSessionCache: every connection must use the card, so pulling the card
// logs out.
func (op Operator) tlsConfig(cert tls.Certificate, maxTLS uint16, serverName string) (*tls.Config, error) {
	if op.RootCAs == nil {
		return nil, ErrNoTrustStore
	}
	if maxTLS == 0 {
		maxTLS = tls.VersionTLS13
	}
	var crls []*x509.RevocationList
	for _, der := range op.CRLs {
		if rl, err := x509.ParseRevocationList(der); err == nil {
			crls = append(crls, rl)
		}
	}
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		MaxVersion: maxTLS,
		ServerName: serverName,
		RootCAs:    op.RootCAs,
		GetClientCertificate: func(cri *tls.CertificateRequestInfo) (*tls.Certificate, error) {
			if len(cert.Certificate) == 0 || cri.SupportsCertificate(&cert) != nil {
				// Sending no certificate lets the server refuse with a clear alert.
				return &tls.Certificate{}, nil
			}
			return &cert, nil
		},
		VerifyConnection: func(cs tls.ConnectionState) error {
			return checkCRLs(cs.VerifiedChains, crls, time.Now())
		},
	}, nil
}

// checkCRLs refuses a chain holding a certificate revoked by a CRL of its issuer. A chain
// whose issuers publish no CRL here passes (CRLs are checked when available).
func checkCRLs(chains [][]*x509.Certificate, crls []*x509.RevocationList, now time.Time) error {
	if len(crls) == 0 {
		return nil
	}
	for _, chain := range chains {
		for i := 0; i+1 < len(chain); i++ {
			cert, issuer := chain[i], chain[i+1]
			for _, rl := range crls {
				if rl.CheckSignatureFrom(issuer) != nil {
					continue
				}
				for _, e := range rl.RevokedCertificateEntries {
					if e.SerialNumber.Cmp(cert.SerialNumber) == 0 && !e.RevocationTime.After(now) {
						return fmt.Errorf("%w: %s (serial %s)", ErrRevoked, cert.Subject.CommonName, cert.SerialNumber)
					}
				}
			}
		}
	}
	return nil
}
