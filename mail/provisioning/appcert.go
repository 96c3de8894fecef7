package provisioning

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"software.sslmate.com/src/go-pkcs12"
)

// Organisation certificate errors.
var (
	// ErrP12Password: the PKCS#12 file could not be opened with this password.
	ErrP12Password = errors.New("provisioning: wrong PKCS#12 password")
	// ErrNotOrganisation: the certificate is not an IGC-Santé organisation certificate
	// (no structure identifier in its subject serialNumber).
	ErrNotOrganisation = errors.New("provisioning: not an organisation certificate")
)

// OrgCertificate is a structure's software certificate (IGC-Santé ORGANISATIONS) as read
// from a PKCS#12 file: what authenticates an APP BAL instead of a card.
type OrgCertificate struct {
	TLS          tls.Certificate // leaf, then the CA certificates of the file; PrivateKey a crypto.Signer
	StructureID  string          // the subject serialNumber: id type + id, e.g. "1690999123"
	FINESS       string          // StructureID without its type, when the type is 1 (FINESS)
	Organisation string          // the subject O (or CN)
}

// LoadP12 decodes a PKCS#12 (.p12, .pfx) organisation certificate with its private key and
// chain. The password is only used here; callers read it from a file or a terminal prompt.
func LoadP12(data []byte, password string) (*OrgCertificate, error) {
	key, leaf, cas, err := pkcs12.DecodeChain(data, password)
	if errors.Is(err, pkcs12.ErrIncorrectPassword) {
		return nil, ErrP12Password
	}
	if err != nil {
		return nil, fmt.Errorf("provisioning: read PKCS#12: %w", err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("provisioning: PKCS#12 key of type %T cannot sign", key)
	}
	oc := &OrgCertificate{TLS: tls.Certificate{Certificate: [][]byte{leaf.Raw}, PrivateKey: signer, Leaf: leaf}}
	for _, c := range cas {
		if !c.Equal(leaf) {
			oc.TLS.Certificate = append(oc.TLS.Certificate, c.Raw)
		}
	}
	oc.StructureID = leaf.Subject.SerialNumber
	// A structure id starts with its TRE_G07 type (0–5); a person's certificate carries a
	// national id (8 RPPS…) and no organisation.
	if oc.StructureID == "" || oc.StructureID[0] < '0' || oc.StructureID[0] > '5' || len(leaf.Subject.Organization) == 0 {
		return nil, ErrNotOrganisation
	}
	if oc.StructureID[0] == '1' {
		oc.FINESS = oc.StructureID[1:]
	}
	oc.Organisation = leaf.Subject.CommonName
	if len(leaf.Subject.Organization) > 0 {
		oc.Organisation = leaf.Subject.Organization[0]
	}
	return oc, nil
}

// ChainPEM is the certificate chain (leaf first) in PEM: CreateRequest.AppCertificate.
// Intermediates that are self-signed roots are left out: the operator has its own.
func (o *OrgCertificate) ChainPEM() string {
	var b strings.Builder
	for i, der := range o.TLS.Certificate {
		if i > 0 {
			if c, err := x509.ParseCertificate(der); err == nil && c.CheckSignatureFrom(c) == nil {
				continue
			}
		}
		b.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	}
	return b.String()
}
