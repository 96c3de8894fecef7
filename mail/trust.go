package mail

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// ErrNoTrustAnchor means no root CA certificate was found in the configured trust store.
var ErrNoTrustAnchor = errors.New("mail: no root CA certificate in the trust store")

// DefaultTrustPaths is where the ANS Cryptolib installs the IGC-Santé CA certificates.
func DefaultTrustPaths() []string {
	if runtime.GOOS == "linux" {
		return []string{"/etc/opt/santesocial/CPS/Coffre"}
	}
	return nil
}

// TrustStore is what a trust store holds.
type TrustStore struct {
	// Roots are the anchors: the self-signed CA certificates (the IGC-Santé roots, such as
	// the Coffre's ACR-EL). A chain must end at one of them.
	Roots *x509.CertPool
	// Intermediates are the other certificates (the Coffre's ACI-EL-ORG, ACI-EL-PER…):
	// never anchors; they help build chains that do not carry them, such as the trust
	// list's signer.
	Intermediates *x509.CertPool
	// CRLs are the DER CRLs found beside them.
	CRLs [][]byte
}

// LoadTrust is LoadTrustStore returning the anchors and the CRLs.
func LoadTrust(paths ...string) (*x509.CertPool, [][]byte, error) {
	ts, err := LoadTrustStore(paths...)
	return ts.Roots, ts.CRLs, err
}

// LoadTrustStore reads CA certificates and CRLs from files (PEM, DER or PKCS#7) and
// directories (every such file directly inside). An explicit file that holds nothing
// usable is an error; unreadable or foreign files inside a directory are skipped. A store
// without a self-signed root is refused with ErrNoTrustAnchor: an intermediate alone must
// not become an anchor, or the certificates above it would escape the revocation checks.
func LoadTrustStore(paths ...string) (TrustStore, error) {
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	var crls [][]byte
	n := 0
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return TrustStore{}, fmt.Errorf("mail: trust store: %w", err)
		}
		files := []string{p}
		if fi.IsDir() {
			entries, err := os.ReadDir(p)
			if err != nil {
				return TrustStore{}, fmt.Errorf("mail: trust store: %w", err)
			}
			files = files[:0]
			for _, e := range entries {
				if e.Type().IsRegular() {
					files = append(files, filepath.Join(p, e.Name()))
				}
			}
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				if fi.IsDir() {
					continue
				}
				return TrustStore{}, fmt.Errorf("mail: trust store: %w", err)
			}
			certs, fileCRLs := parseTrustFile(data)
			if len(certs) == 0 && len(fileCRLs) == 0 && !fi.IsDir() {
				return TrustStore{}, fmt.Errorf("mail: trust store %s: no certificate or CRL found", f)
			}
			for _, c := range certs {
				if isRoot(c) {
					roots.AddCert(c)
					n++
				} else {
					inter.AddCert(c)
				}
			}
			crls = append(crls, fileCRLs...)
		}
	}
	if n == 0 {
		return TrustStore{}, fmt.Errorf("%w (%v)", ErrNoTrustAnchor, paths)
	}
	return TrustStore{Roots: roots, Intermediates: inter, CRLs: crls}, nil
}

// isRoot reports a certificate that names and signs itself: a root.
func isRoot(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignatureFrom(c) == nil
}

// parseTrustFile extracts certificates and DER CRLs from one file in any supported encoding.
func parseTrustFile(data []byte) ([]*x509.Certificate, [][]byte) {
	var certs []*x509.Certificate
	var crls [][]byte
	if bytes.Contains(data, []byte("-----BEGIN ")) {
		rest := data
		for {
			var b *pem.Block
			b, rest = pem.Decode(rest)
			if b == nil {
				break
			}
			c, r := parseDER(b.Bytes)
			certs, crls = append(certs, c...), append(crls, r...)
		}
		return certs, crls
	}
	return parseDER(data)
}

func parseDER(der []byte) ([]*x509.Certificate, [][]byte) {
	if c, err := x509.ParseCertificate(der); err == nil {
		return []*x509.Certificate{c}, nil
	}
	if _, err := x509.ParseRevocationList(der); err == nil {
		return nil, [][]byte{der}
	}
	return parsePKCS7(der)
}

// PKCS#7 SignedData (RFC 2315), the "certs-only" form used for .p7b/.p7c bundles.
type pkcs7ContentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,optional,tag:0"`
}

type pkcs7SignedData struct {
	Version          int
	DigestAlgorithms asn1.RawValue
	ContentInfo      asn1.RawValue
	Certificates     asn1.RawValue `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue `asn1:"optional,tag:1"`
	SignerInfos      asn1.RawValue
}

var oidSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}

func parsePKCS7(der []byte) ([]*x509.Certificate, [][]byte) {
	var ci pkcs7ContentInfo
	if _, err := asn1.Unmarshal(der, &ci); err != nil || !ci.ContentType.Equal(oidSignedData) {
		return nil, nil
	}
	var sd pkcs7SignedData
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
		return nil, nil
	}
	certs, _ := x509.ParseCertificates(sd.Certificates.Bytes)
	var crls [][]byte
	for rest := sd.CRLs.Bytes; len(rest) > 0; {
		var raw asn1.RawValue
		var err error
		rest, err = asn1.Unmarshal(rest, &raw)
		if err != nil {
			break
		}
		if _, err := x509.ParseRevocationList(raw.FullBytes); err == nil {
			crls = append(crls, raw.FullBytes)
		}
	}
	return certs, crls
}
