package sandbox

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Errors of client-certificate verification (wrapped; the TLS handshake fails with them).
var (
	ErrNoCertificate = errors.New("sandbox: client certificate required")
	ErrRevoked       = errors.New("sandbox: certificate revoked")
	ErrUntrusted     = errors.New("sandbox: certificate not issued by the IGC-Santé PERSONNES or ORGANISATIONS CA")
)

// Holder kinds.
const (
	kindPerson       = "person"
	kindOrganisation = "organisation"
)

// holder is the identity read from a verified client certificate.
type holder struct {
	ID         string // person: the CN, or its part before '/'; organisation: serialNumber
	Surname    string
	GivenName  string
	Profession string
	Org        string // O of an organisation certificate
	Kind       string // kindPerson or kindOrganisation
}

var (
	oidSurname   = asn1.ObjectIdentifier{2, 5, 4, 4}
	oidGivenName = asn1.ObjectIdentifier{2, 5, 4, 42}
	oidTitle     = asn1.ObjectIdentifier{2, 5, 4, 12}
)

func holderFrom(leaf *x509.Certificate, kind string) holder {
	h := holder{ID: leaf.Subject.CommonName, Kind: kind}
	var slashName string
	if i := strings.IndexByte(h.ID, '/'); i >= 0 {
		h.ID, slashName = h.ID[:i], h.ID[i+1:]
	}
	for _, n := range leaf.Subject.Names {
		s, _ := n.Value.(string)
		switch {
		case n.Type.Equal(oidSurname):
			h.Surname = s
		case n.Type.Equal(oidGivenName):
			h.GivenName = s
		case n.Type.Equal(oidTitle):
			h.Profession = s
		}
	}
	if h.Surname == "" && slashName != "" {
		// Older layout CN=<id>/<GIVEN SURNAME>: the first word is taken as the given name.
		given, surname, _ := strings.Cut(slashName, " ")
		h.GivenName, h.Surname = given, surname
	}
	if len(leaf.Subject.Organization) > 0 {
		h.Org = leaf.Subject.Organization[0]
	}
	if kind == kindOrganisation && leaf.Subject.SerialNumber != "" {
		// Organisation certificates carry the structure's national id (type + FINESS).
		h.ID = leaf.Subject.SerialNumber
	}
	return h
}

// verifier checks client certificates against the PKI's roots and current CRLs.
type verifier struct {
	pki PKI
	now func() time.Time
}

// verify checks the chain presented by a client (leaf first), CRLs included, and returns
// its holder.
func (v *verifier) verify(rawCerts [][]byte) (holder, error) { return v.verifyChain(rawCerts, true) }

func (v *verifier) verifyChain(rawCerts [][]byte, withCRL bool) (holder, error) {
	if len(rawCerts) == 0 {
		return holder{}, ErrNoCertificate
	}
	certs := make([]*x509.Certificate, 0, len(rawCerts))
	for _, raw := range rawCerts {
		c, err := x509.ParseCertificate(raw)
		if err != nil {
			return holder{}, fmt.Errorf("sandbox: parse client certificate: %w", err)
		}
		certs = append(certs, c)
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	chains, err := certs[0].Verify(x509.VerifyOptions{
		Roots:         v.pki.RootPool(),
		Intermediates: inter,
		CurrentTime:   v.now(),
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return holder{}, fmt.Errorf("%w: %v", ErrUntrusted, err)
	}
	chain := chains[0]
	if len(chain) < 2 {
		return holder{}, ErrUntrusted
	}
	kind := caKind(chain[1])
	if kind == "" {
		return holder{}, fmt.Errorf("%w: issuer %q", ErrUntrusted, chain[1].Subject.CommonName)
	}
	if withCRL {
		if err := v.checkCRL(chain); err != nil {
			return holder{}, err
		}
	}
	return holderFrom(chain[0], kind), nil
}

// caKind tells a PERSONNES CA from an ORGANISATIONS CA by its name, as the IGC-Santé does.
func caKind(ca *x509.Certificate) string {
	cn := strings.ToUpper(ca.Subject.CommonName)
	switch {
	case strings.Contains(cn, "PERSONNES"):
		return kindPerson
	case strings.Contains(cn, "ORGANISATIONS"):
		return kindOrganisation
	}
	return ""
}

// checkCRL requires a current CRL from the leaf's issuer and checks every certificate of the
// chain below the root against its issuer's CRL when there is one.
func (v *verifier) checkCRL(chain []*x509.Certificate) error {
	var crls []*x509.RevocationList
	for _, der := range v.pki.CRLs() {
		l, err := x509.ParseRevocationList(der)
		if err != nil {
			return fmt.Errorf("sandbox: parse CRL: %w", err)
		}
		crls = append(crls, l)
	}
	now := v.now()
	for i := 0; i+1 < len(chain); i++ {
		cert, issuer := chain[i], chain[i+1]
		var found *x509.RevocationList
		for _, l := range crls {
			if bytes.Equal(l.RawIssuer, cert.RawIssuer) && l.CheckSignatureFrom(issuer) == nil {
				found = l
				break
			}
		}
		if found == nil {
			if i == 0 {
				return fmt.Errorf("%w: no CRL for issuer %q", ErrUntrusted, issuer.Subject.CommonName)
			}
			continue
		}
		if !found.NextUpdate.IsZero() && now.After(found.NextUpdate) {
			return fmt.Errorf("%w: CRL of %q expired", ErrUntrusted, issuer.Subject.CommonName)
		}
		for _, e := range found.RevokedCertificateEntries {
			if e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
				return fmt.Errorf("%w: serial %s", ErrRevoked, cert.SerialNumber)
			}
		}
	}
	return nil
}

// tlsConfig returns a server configuration that requires (or, for the HTTPS API, requests)
// a client certificate and verifies it with v.
func (v *verifier) tlsConfig(cert tls.Certificate, require bool) *tls.Config {
	auth := tls.RequestClientCert
	if require {
		auth = tls.RequireAnyClientCert
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		ClientAuth:   auth,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 && !require {
				return nil
			}
			_, err := v.verify(raw)
			return err
		},
	}
}

// peerHolder reads the holder of a TLS connection whose chain and CRLs were checked during
// the handshake (the chain is rebuilt to learn the issuing CA; the CRLs are not fetched
// again, which would cost one signature per CA with the test PKI).
func (v *verifier) peerHolder(cs tls.ConnectionState) (holder, error) {
	raw := make([][]byte, 0, len(cs.PeerCertificates))
	for _, c := range cs.PeerCertificates {
		raw = append(raw, c.Raw)
	}
	return v.verifyChain(raw, false)
}
