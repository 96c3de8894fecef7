package sandbox

import (
	"bytes"
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"testing"
	"time"

	"comptoir/cps/cpstest"
	"comptoir/mail/provisioning"
)

func (e *env) apiClient(cert *tls.Certificate) *provisioning.Client {
	e.t.Helper()
	cfg := provisioning.Config{BaseURL: e.srv.APIURL(), RootCAs: e.pki.RootPool(), Timeout: 20 * time.Second}
	if cert != nil {
		cfg.Certificate = *cert
	}
	c, err := provisioning.New(cfg)
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
	b, err := e.apiClient(tit).CreateBAL(context.Background(), provisioning.CreateRequest{
		Kind: provisioning.KindAPP, CGUVersion: CurrentCGU, HolderID: cpstest.Titulaire.NationalID,
		Structure:      &provisioning.Structure{FINESS: cpstest.Pharmacie.StructureID, Name: "Pharmacie des Tilleuls", PostalCode: "69003", City: "Lyon"},
		AppCertificate: string(chain),
	}, signer, sigCert)
	if err != nil {
		t.Fatalf("create APP BAL: %v", err)
	}
	if b.Kind != provisioning.KindAPP || b.Status != provisioning.StatusPending {
		t.Fatalf("APP BAL: %+v", b)
	}
	return b.Address
}

func TestProvisioningCreatePER(t *testing.T) {
	e := startEnv(t, func(o *Options) { o.ValidationDelay = 500 * time.Millisecond })
	ctx := context.Background()
	prep := cpstest.Preparateur
	card := e.personCert(prep.Person)
	api := e.apiClient(&card)
	signer, sigCert := e.sigKey(prep.Person)

	me, err := api.Me(ctx)
	if err != nil || me.NationalID != prep.NationalID || me.Kind != "person" {
		t.Fatalf("Me: %+v %v", me, err)
	}
	cgu, err := api.CGU(ctx)
	if err != nil || cgu.Version != CurrentCGU {
		t.Fatalf("CGU: %+v %v", cgu, err)
	}
	req := provisioning.CreateRequest{Kind: provisioning.KindPER, CGUVersion: cgu.Version, HolderID: prep.NationalID}

	// Refusals before anything is created.
	old := req
	old.CGUVersion = "2020.1"
	if _, err := api.CreateBAL(ctx, old, signer, sigCert); !provisioning.IsCode(err, provisioning.CodeCGUOutdated) {
		t.Fatalf("old CGU: %v", err)
	}
	otherSigner, otherCert := e.sigKey(cpstest.Medecin.Person)
	if _, err := api.CreateBAL(ctx, req, otherSigner, otherCert); !provisioning.IsCode(err, provisioning.CodeSignerMismatch) {
		t.Fatalf("signed by another card: %v", err)
	}
	sr, err := provisioning.Sign(req, signer, sigCert, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tampered := sr
	tampered.Request = bytes.Replace(sr.Request, []byte(`"kind":"PER"`), []byte(`"kind":"ORG"`), 1)
	if _, err := api.Submit(ctx, tampered); !provisioning.IsCode(err, provisioning.CodeBadSignature) {
		t.Fatalf("tampered request: %v", err)
	}
	// White space and key order do not matter: the canonical form is signed.
	var fields map[string]any
	if err := json.Unmarshal(sr.Request, &fields); err != nil {
		t.Fatal(err)
	}
	if pretty, err := json.MarshalIndent(fields, "", "   "); err != nil || !bytes.Equal(mustCanonical(t, pretty), mustCanonical(t, sr.Request)) {
		t.Fatalf("canonical forms differ: %v", err)
	}
	if _, err := e.apiClient(nil).BALs(ctx); !provisioning.IsCode(err, provisioning.CodeCertificateRequired) {
		t.Fatalf("no certificate: %v", err)
	}

	// Creation: pending, refused by IMAP, then active, usable and published.
	b, err := api.Submit(ctx, sr)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	want := "maxime.lebreton@" + e.srv.Domain()
	if b.Address != want || b.Status != provisioning.StatusPending || b.Kind != provisioning.KindPER {
		t.Fatalf("created %+v", b)
	}
	if _, err := api.Submit(ctx, sr); !provisioning.IsCode(err, provisioning.CodeReplayed) {
		t.Fatalf("replay: %v", err)
	}
	if _, err := api.CreateBAL(ctx, req, signer, sigCert); !provisioning.IsCode(err, provisioning.CodeAlreadyExists) {
		t.Fatalf("second PER BAL: %v", err)
	}
	if _, err := e.imapLogin(&card, want, false, nil); imapCode(err) != "AUTHORIZATIONFAILED" {
		t.Fatalf("pending BAL opened: %v", err)
	}
	waitFor(t, 20*time.Second, "BAL active through the API", func() bool {
		got, err := api.BAL(ctx, want)
		return err == nil && got.Status == provisioning.StatusActive
	})
	if _, err := e.imapLogin(&card, want, false, nil); err != nil {
		t.Fatalf("active BAL: %v", err)
	}
	waitFor(t, 20*time.Second, "BAL in the published directory", func() bool {
		rows := readDirectory(t, e.srv.DirectoryPath())
		for _, r := range rows {
			if r[1] == want {
				return r[0] == "PER" && r[4] == prep.NationalID && r[9] == "LEBRETON"
			}
		}
		return false
	})
	list, err := api.BALs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string]string{}
	for _, x := range list {
		roles[x.Address] = x.Role
	}
	if _, ok := roles[want]; !ok || roles[e.a.Pharmacy] != provisioning.RoleUser {
		t.Fatalf("BALs of the préparateur: %+v", list)
	}

	// A homonym gets 409 with a free address, and may take it.
	twin := cpstest.Person{NationalID: "899700999992", Surname: "LEBRETON", GivenName: "Maxime", Profession: "Pharmacien"}
	twinCard := e.personCert(twin)
	twinAPI := e.apiClient(&twinCard)
	ts, tc := e.sigKey(twin)
	treq := provisioning.CreateRequest{Kind: provisioning.KindPER, CGUVersion: CurrentCGU, HolderID: twin.NationalID}
	_, err = twinAPI.CreateBAL(ctx, treq, ts, tc)
	var ae *provisioning.Error
	if !provisioning.IsCode(err, provisioning.CodeAddressTaken) || !asError(err, &ae) || ae.Suggestion != "maxime.lebreton2@"+e.srv.Domain() {
		t.Fatalf("homonym: %v", err)
	}
	treq.Address = "maxime.lebreton@" + e.srv.Domain() + ".evil"
	if _, err := twinAPI.CreateBAL(ctx, treq, ts, tc); !provisioning.IsCode(err, provisioning.CodeInvalidAddress) {
		t.Fatalf("bad address: %v", err)
	}
	treq.Address = ae.Suggestion
	if b, err := twinAPI.CreateBAL(ctx, treq, ts, tc); err != nil || b.Address != ae.Suggestion {
		t.Fatalf("homonym with the suggestion: %+v %v", b, err)
	}
}

func asError(err error, target **provisioning.Error) bool {
	e, ok := err.(*provisioning.Error)
	if ok {
		*target = e
	}
	return ok
}

func TestProvisioningCreateORG(t *testing.T) {
	e := startEnv(t, func(o *Options) { o.Seed = false; o.ValidationDelay = 300 * time.Millisecond })
	ctx := context.Background()
	tit := cpstest.Titulaire
	card := e.personCert(tit.Person)
	api := e.apiClient(&card)
	signer, sigCert := e.sigKey(tit.Person)
	b, err := api.CreateBAL(ctx, provisioning.CreateRequest{
		Kind: provisioning.KindORG, CGUVersion: CurrentCGU, HolderID: tit.NationalID,
		Structure: &provisioning.Structure{FINESS: cpstest.Pharmacie.StructureID, Name: "Pharmacie des Tilleuls", PostalCode: "69003", City: "Lyon"},
	}, signer, sigCert)
	if err != nil {
		t.Fatal(err)
	}
	if b.Address != "pharmacie-des-tilleuls-69003-lyon@"+e.srv.Domain() || b.Role != provisioning.RoleAdmin {
		t.Fatalf("ORG BAL: %+v", b)
	}
	e.waitActive(t, b.Address)
	if _, err := e.imapLogin(&card, b.Address, true, nil); err != nil {
		t.Fatalf("titulaire opens the new ORG BAL: %v", err)
	}
}

func mustCanonical(t *testing.T, b []byte) []byte {
	t.Helper()
	c, err := provisioning.Canonical(b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
