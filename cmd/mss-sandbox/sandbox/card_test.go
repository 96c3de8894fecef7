package sandbox

import (
	"context"
	"crypto/tls"
	"path/filepath"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"

	"comptoir/cps"
	"comptoir/cps/cpstest"
	"comptoir/mail/provisioning"
)

// TestWithSoftHSMCards runs the operator against the real test cards (SoftHSM through the cps
// package): a CPS4 opens the ORG BAL over TLS 1.3, the CPS3 (no RSA-PSS) over TLS 1.2, and a
// BAL is created with a request signed by the card's signature key.
func TestWithSoftHSMCards(t *testing.T) {
	e := startEnv(t, func(o *Options) { o.ValidationDelay = 300 * time.Millisecond })
	cards, err := cpstest.NewCards(filepath.Join(pkiDir, "cards"), e.pki)
	if err != nil {
		t.Fatalf("test cards: %v", err)
	}
	mod, err := cards.Open()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	login := func(fx cpstest.Fixture) *cps.Card {
		c, err := cards.Login(ctx, mod, fx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}

	for _, fx := range []cpstest.Fixture{cpstest.Titulaire, cpstest.PharmacienCPS3} {
		card := login(fx)
		cert := card.TLSCertificate()
		cfg := e.clientTLS(&cert)
		cfg.MaxVersion = card.MaxTLSVersion()
		var version uint16
		cfg.VerifyConnection = func(cs tls.ConnectionState) error { version = cs.Version; return nil }
		c, err := imapclient.DialStartTLS(e.srv.IMAPAddr(), &imapclient.Options{TLSConfig: cfg})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Authenticate(sasl.NewExternalClient(e.a.Pharmacy)); err != nil {
			t.Fatalf("%s opens the ORG BAL: %v", fx.Label, err)
		}
		if _, err := c.Select("INBOX", nil).Wait(); err != nil {
			t.Fatal(err)
		}
		if (fx.NoPSS && version != tls.VersionTLS12) || (!fx.NoPSS && version != tls.VersionTLS13) {
			t.Errorf("%s: TLS version %x", fx.Label, version)
		}
		c.Close()
	}

	// The préparateur creates a PER BAL with the card: mutual TLS with the authentication
	// key, request signed with the signature key.
	card := login(cpstest.Preparateur)
	api, err := provisioning.New(provisioning.Config{BaseURL: e.srv.APIURL(), Certificate: card.TLSCertificate(),
		RootCAs: e.pki.RootPool(), MaxTLS: card.MaxTLSVersion()})
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	b, err := api.CreateBAL(ctx, provisioning.CreateRequest{Kind: provisioning.KindPER, CGUVersion: CurrentCGU,
		HolderID: card.Identity().NationalID}, card.DocumentSigner(), card.SignatureCertificate())
	if err != nil {
		t.Fatalf("create with the card: %v", err)
	}
	if b.Address != "maxime.lebreton@"+e.srv.Domain() || b.Status != provisioning.StatusPending {
		t.Fatalf("created %+v", b)
	}
}
