package mail

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func selfSigned(t *testing.T, cn string) testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return testCA{c, key}
}

func pemCert(ca testCA) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw})
}

func (ca testCA) issue(t *testing.T, serial int64) *x509.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "imap.op.fr"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c
}

// issueCA issues an intermediate CA.
func (ca testCA) issueCA(t *testing.T, cn string) testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(99), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return testCA{c, key}
}

func (ca testCA) crl(t *testing.T, revoked ...int64) []byte {
	t.Helper()
	var entries []x509.RevocationListEntry
	for _, s := range revoked {
		entries = append(entries, x509.RevocationListEntry{SerialNumber: big.NewInt(s), RevocationTime: time.Now().Add(-time.Minute)})
	}
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1),
		ThisUpdate: time.Now().Add(-time.Hour), NextUpdate: time.Now().Add(time.Hour), RevokedCertificateEntries: entries}, ca.cert, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// pkcs7 wraps certificates in a degenerate SignedData, as .p7b bundles are.
func pkcs7(t *testing.T, certs ...*x509.Certificate) []byte {
	t.Helper()
	var raw []byte
	for _, c := range certs {
		raw = append(raw, c.Raw...)
	}
	sd := pkcs7SignedData{Version: 1,
		DigestAlgorithms: asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true},
		ContentInfo:      asn1.RawValue{FullBytes: []byte{0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01}},
		Certificates:     asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: raw},
		SignerInfos:      asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true},
	}
	inner, err := asn1.Marshal(sd)
	if err != nil {
		t.Fatal(err)
	}
	out, err := asn1.Marshal(pkcs7ContentInfo{ContentType: oidSignedData,
		Content: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: inner}})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestLoadTrustFormats reads a Coffre-like directory: PEM, DER, PKCS#7 and a CRL, plus a
// foreign file that is skipped.
func TestLoadTrustFormats(t *testing.T) {
	dir := t.TempDir()
	root := selfSigned(t, "TEST AC RACINE")
	der := selfSigned(t, "TEST AC DER")
	p7 := selfSigned(t, "TEST AC P7")
	files := map[string][]byte{
		"ACR-EL.pem": pemCert(root), "ACI-EL.cer": der.cert.Raw, "bundle.p7b": pkcs7(t, p7.cert),
		"ACR-EL.crl": root.crl(t, 7), "LISEZMOI.txt": []byte("rien"),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	pool, crls, err := LoadTrust(dir)
	if err != nil {
		t.Fatal(err)
	}
	// An intermediate is never an anchor; LoadTrustStore keeps it apart.
	inter := root.issueCA(t, "TEST AC INTERMEDIAIRE")
	if err := os.WriteFile(filepath.Join(dir, "ACI.pem"), pemCert(inter), 0o600); err != nil {
		t.Fatal(err)
	}
	ts, err := LoadTrustStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inter.issue(t, 5).Verify(x509.VerifyOptions{Roots: ts.Roots}); err == nil {
		t.Error("an intermediate of the trust store became an anchor")
	}
	if _, err := inter.issue(t, 5).Verify(x509.VerifyOptions{Roots: ts.Roots, Intermediates: ts.Intermediates}); err != nil {
		t.Errorf("chain through the trust store's intermediate: %v", err)
	}
	alone := filepath.Join(t.TempDir(), "ACI.pem")
	if err := os.WriteFile(alone, pemCert(inter), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadTrustStore(alone); !errors.Is(err, ErrNoTrustAnchor) {
		t.Errorf("a store with no root: %v", err)
	}
	for _, ca := range []testCA{root, der, p7} {
		if _, err := ca.issue(t, 9).Verify(x509.VerifyOptions{Roots: pool}); err != nil {
			t.Errorf("%s not trusted: %v", ca.cert.Subject.CommonName, err)
		}
	}
	if len(crls) != 1 {
		t.Errorf("%d CRLs, want 1", len(crls))
	}
	if _, _, err := LoadTrust(filepath.Join(dir, "LISEZMOI.txt")); err == nil {
		t.Error("a file with no certificate was accepted")
	}
	if _, _, err := LoadTrust(t.TempDir()); !errors.Is(err, ErrNoTrustAnchor) {
		t.Errorf("empty directory: %v", err)
	}
}
