package sandbox

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"

	"comptoir/cps/cpstest"
	"comptoir/mail/operator"
)

func (e *env) apiClient(cert *tls.Certificate) *operator.Client {
	e.t.Helper()
	cfg := operator.Config{BaseURL: e.srv.APIURL(), RootCAs: e.pki.RootPool(), Timeout: 20 * time.Second}
	if cert != nil {
		cfg.Certificate = *cert
	}
	c, err := operator.New(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(c.Close)
	return c
}

// sigKey returns the card's signature key and certificate.
func (e *env) sigKey(p cpstest.Person) (crypto.Signer, *x509.Certificate) {
	e.t.Helper()
	cert, key, err := e.pki.IssuePersonSignature(p)
	if err != nil {
		e.t.Fatal(err)
	}
	return key, cert
}

func (e *env) waitActive(t testing.TB, addr string) {
	t.Helper()
	waitFor(t, 20*time.Second, addr+" active", func() bool {
		b := e.srv.reg.bal(addr)
		return b != nil && b.active(e.srv.opts.Now())
	})
}

// createAPP creates the pharmacy's APP BAL for the organisation certificate app.
func (e *env) createAPP(t testing.TB, tit *tls.Certificate, app tls.Certificate) string {
	t.Helper()
	var chain []byte
	for _, der := range app.Certificate {
		chain = append(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	signer, sigCert := e.sigKey(cpstest.Titulaire.Person)
	b, err := e.apiClient(tit).CreateBAL(context.Background(), operator.CreateRequest{
		Kind: operator.KindAPP, CGUVersion: CurrentCGU, HolderID: cpstest.Titulaire.NationalID,
		Structure:      &operator.Structure{FINESS: cpstest.Pharmacie.StructureID, Name: "Pharmacie des Tilleuls", PostalCode: "69003", City: "Lyon"},
		AppCertificate: string(chain),
	}, signer, sigCert)
	if err != nil {
		t.Fatalf("create APP BAL: %v", err)
	}
	if b.Kind != operator.KindAPP || b.Status != operator.StatusPending {
		t.Fatalf("APP BAL: %+v", b)
	}
	return b.Address
}
