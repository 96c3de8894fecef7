package provisioning_test

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"

	"comptoir/cps/cpstest"
	"comptoir/mail/provisioning"
)

func TestLoadP12(t *testing.T) {
	pki, err := cpstest.NewPKI(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	org, err := pki.IssueOrganisation("PHARMACIE DES TILLEULS", "690999123")
	if err != nil {
		t.Fatal(err)
	}
	inter, _ := x509.ParseCertificate(org.Certificate[1])
	data, err := pkcs12.Modern.Encode(org.PrivateKey, org.Leaf, []*x509.Certificate{inter, pki.Root()}, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	oc, err := provisioning.LoadP12(data, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	if oc.StructureID != "1690999123" || oc.FINESS != "690999123" || oc.Organisation != "PHARMACIE DES TILLEULS" {
		t.Errorf("identity %+v", oc)
	}
	if len(oc.TLS.Certificate) != 3 || oc.TLS.PrivateKey == nil {
		t.Errorf("chain of %d certificates", len(oc.TLS.Certificate))
	}
	// The PEM chain carries the leaf and the ORGANISATIONS intermediate, not the root.
	p := oc.ChainPEM()
	if n := strings.Count(p, "BEGIN CERTIFICATE"); n != 2 {
		t.Errorf("ChainPEM has %d certificates", n)
	}
	blk, _ := pem.Decode([]byte(p))
	if blk == nil || string(blk.Bytes) != string(org.Leaf.Raw) {
		t.Errorf("ChainPEM does not start with the leaf")
	}
	if _, err := provisioning.LoadP12(data, "wrong"); !errors.Is(err, provisioning.ErrP12Password) {
		t.Errorf("wrong password: %v", err)
	}
	if _, err := provisioning.LoadP12([]byte("not a p12"), "x"); err == nil {
		t.Errorf("garbage accepted")
	}
	// A person's certificate is not an organisation's.
	person, err := pki.PersonCertificate(cpstest.Titulaire.Person)
	if err != nil {
		t.Fatal(err)
	}
	pdata, _ := pkcs12.Modern.Encode(person.PrivateKey, person.Leaf, nil, "x")
	if _, err := provisioning.LoadP12(pdata, "x"); !errors.Is(err, provisioning.ErrNotOrganisation) {
		t.Errorf("a person's certificate: %v", err)
	}
}
