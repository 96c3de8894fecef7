package cpstest

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"math/big"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestPKIPersistsAndChains(t *testing.T) {
	dir := t.TempDir()
	p, err := NewPKI(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Root().Subject.CommonName; got != RootName {
		t.Fatalf("root CN = %q", got)
	}
	if ou := p.Personnes().Subject.OrganizationalUnit; len(ou) != 2 || ou[1] != "IGC-SANTE TEST" {
		t.Fatalf("PERSONNES OU = %q", ou)
	}
	again, err := NewPKI(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Root().Equal(p.Root()) || !again.Organisations().Equal(p.Organisations()) {
		t.Fatal("reloaded PKI has different CAs")
	}

	cert, key, err := p.IssuePerson(Titulaire.Person)
	if err != nil {
		t.Fatal(err)
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		t.Fatal("certificate does not match key")
	}
	opts := x509.VerifyOptions{Roots: p.RootPool(), Intermediates: p.IntermediatePool(),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	chains, err := cert.Verify(opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := chains[0][1].Subject.CommonName; got != PersonnesName {
		t.Fatalf("card issued by %q", got)
	}
	// The holder is one multi-valued RDN: SN + CN + GN.
	if cert.Subject.CommonName != Titulaire.NationalID {
		t.Fatalf("CN = %q", cert.Subject.CommonName)
	}
	_, key2, err := again.IssuePerson(Titulaire.Person)
	if err != nil {
		t.Fatal(err)
	}
	if !key2.Equal(key) {
		t.Fatal("key not cached across loads")
	}

	soft, err := p.PersonCertificate(Preparateur.Person)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := soft.Leaf.Verify(opts); err != nil || len(soft.Certificate) != 2 {
		t.Fatalf("software person certificate: %v (%d in chain)", err, len(soft.Certificate))
	}

	srv, err := p.ServerCertificate()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Leaf.VerifyHostname("127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Leaf.Verify(x509.VerifyOptions{Roots: p.RootPool(), Intermediates: p.IntermediatePool()}); err != nil {
		t.Fatal(err)
	}
	org, err := p.IssueOrganisation(Pharmacie.StructureName, Pharmacie.FINESS())
	if err != nil {
		t.Fatal(err)
	}
	if org.Leaf.Subject.SerialNumber != "1"+Pharmacie.StructureID {
		t.Fatalf("organisation serialNumber = %q", org.Leaf.Subject.SerialNumber)
	}
	var _ tls.Certificate = org
}

func TestRevokeUpdatesCRL(t *testing.T) {
	p, err := NewPKI(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cert, _, err := p.IssuePerson(Medecin.Person)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Revoke(cert.SerialNumber); err != nil {
		t.Fatal(err)
	}
	crls := p.CRLs()
	if len(crls) != 3 {
		t.Fatalf("%d CRLs", len(crls))
	}
	rl, err := x509.ParseRevocationList(crls[1])
	if err != nil {
		t.Fatal(err)
	}
	if err := rl.CheckSignatureFrom(p.Personnes()); err != nil {
		t.Fatal(err)
	}
	if len(rl.RevokedCertificateEntries) != 1 || rl.RevokedCertificateEntries[0].SerialNumber.Cmp(cert.SerialNumber) != 0 {
		t.Fatalf("PERSONNES CRL lists %v", rl.RevokedCertificateEntries)
	}
	if rl.NextUpdate.Before(time.Now()) {
		t.Fatal("CRL already stale")
	}
	if err := p.Revoke(new(big.Int).Lsh(cert.SerialNumber, 1)); err == nil {
		t.Fatal("revoking an unknown serial succeeded")
	}
}

func TestMissingSoftHSMSaysWhatToInstall(t *testing.T) {
	_, err := findSoftHSM([]string{filepath.Join(t.TempDir(), "libsofthsm2.so")})
	if !errors.Is(err, ErrSoftHSMMissing) || !strings.Contains(err.Error(), "apt-get install softhsm2") {
		t.Fatalf("err = %v", err)
	}
	if _, err := findSoftHSM(softHSMPaths()); err != nil {
		t.Fatalf("SoftHSM2 must be installed for the tests: %v", err)
	}
}

func TestActivityTLVLongValue(t *testing.T) {
	s := Situation{StructureName: strings.Repeat("A", 200), StructureIDType: 1, StructureID: "690999123", Sector: "SA33"}
	b := ActivityTLV(s)
	if b[0] != 0xEE || b[1] != 0x81 {
		t.Fatalf("container header % x", b[:3])
	}
}

// TestCRLDistributionPoints: once the CRLs are served, a server chain names where each
// of its certificates' CRL is, and those URLs serve CRLs signed by the right CA.
func TestCRLDistributionPoints(t *testing.T) {
	p, err := NewPKI(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := p.ServeCRLs()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cert, err := p.ServerCertificateCRL(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	inter, err := x509.ParseCertificate(cert.Certificate[1])
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(inter)
	chains, err := cert.Leaf.Verify(x509.VerifyOptions{Roots: p.RootPool(), Intermediates: pool})
	if err != nil {
		t.Fatal(err)
	}
	chain := chains[0]
	if len(chain) != 3 || chain[1].Subject.CommonName != OrganisationsName || !chain[1].PublicKey.(interface{ Equal(crypto.PublicKey) bool }).Equal(p.Organisations().PublicKey) {
		t.Fatalf("chain %d long, intermediate %q", len(chain), chain[1].Subject.CommonName)
	}
	// Certificates issued by the saved intermediate chain through the reissued one too.
	if _, err := cert.Leaf.Verify(x509.VerifyOptions{Roots: p.RootPool(), Intermediates: p.IntermediatePool()}); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{srv.URL + "/organisations.crl", srv.URL + "/root.crl"} {
		dps := chain[i].CRLDistributionPoints
		if len(dps) != 1 || dps[0] != want {
			t.Fatalf("%s: distribution points %v, want %s", chain[i].Subject.CommonName, dps, want)
		}
		resp, err := http.Get(dps[0])
		if err != nil {
			t.Fatal(err)
		}
		der, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		rl, err := x509.ParseRevocationList(der)
		if err != nil {
			t.Fatal(err)
		}
		if err := rl.CheckSignatureFrom(chain[i+1]); err != nil {
			t.Fatalf("%s: %v", dps[0], err)
		}
	}
	stale, err := p.SignCRL(p.Organisations(), time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if rl, err := x509.ParseRevocationList(stale); err != nil || !rl.NextUpdate.Before(time.Now()) {
		t.Fatalf("SignCRL: %v", err)
	}
	if s, err := p.IssueServer(ServerOptions{ByPersonnes: true}); err != nil || s.Leaf.Issuer.CommonName != PersonnesName {
		t.Fatalf("server certificate by PERSONNES: %v", err)
	}
}
