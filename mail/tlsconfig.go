package mail

import (
	"context"
	"crypto/tls"
	"errors"

	"comptoir/mail/servertrust"
)

// ErrRevoked means a certificate of the server's chain is listed in a CRL
// (servertrust.ErrRevoked).
var ErrRevoked = servertrust.ErrRevoked

// ErrNoTrustStore means the operator has no trust store configured: the client never falls
// back to the system roots (only IGC-Santé is trusted).
var ErrNoTrustStore = errors.New("mail: no trust store configured")

// tlsConfig builds the client TLS configuration: the server checked by the operator's
// servertrust.Verifier (IGC-Santé anchors, host name, server CA, serverAuth, current CRLs,
// fetched within ctx), TLS >= 1.2 and at most maxTLS (a CPS3 card cannot sign RSA-PSS, so
// its session caps at 1.2), the card's certificate offered through GetClientCertificate.
// No ClientSessionCache: every connection must use the card, so pulling the card logs out.
func (op Operator) tlsConfig(ctx context.Context, cert tls.Certificate, maxTLS uint16, serverName string) (*tls.Config, error) {
	v, err := op.verifier()
	if err != nil {
		return nil, err
	}
	if maxTLS == 0 {
		maxTLS = tls.VersionTLS13
	}
	cfg := v.TLSConfig(ctx, serverName)
	cfg.MaxVersion = maxTLS
	cfg.GetClientCertificate = func(cri *tls.CertificateRequestInfo) (*tls.Certificate, error) {
		if len(cert.Certificate) == 0 || cri.SupportsCertificate(&cert) != nil {
			// Sending no certificate lets the server refuse with a clear alert.
			return &tls.Certificate{}, nil
		}
		return &cert, nil
	}
	return cfg, nil
}

// verifier is op.Trust, or one built for this connection from RootCAs and CRLs (its CRLs
// are then fetched again at each connection and cached nowhere).
func (op Operator) verifier() (*servertrust.Verifier, error) {
	if op.Trust != nil {
		return op.Trust, nil
	}
	if op.RootCAs == nil {
		return nil, ErrNoTrustStore
	}
	return servertrust.New(servertrust.Config{Roots: op.RootCAs, CRLs: op.CRLs})
}
