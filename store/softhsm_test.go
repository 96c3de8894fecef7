package store_test

import (
	"context"
	"crypto"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"comptoir/cps"
	"comptoir/cps/cpstest"
	"comptoir/store"
)

// TestRealCardThroughSoftHSM unlocks the cache with a CPS test card on SoftHSM2 through
// the cps package: exactly one private-key operation per Open, and the other holder's card
// cannot open the file.
func TestRealCardThroughSoftHSM(t *testing.T) {
	dir := t.TempDir()
	pki, err := cpstest.NewPKI(filepath.Join(dir, "pki"))
	if err != nil {
		t.Fatal(err)
	}
	cards, err := cpstest.NewCards(filepath.Join(dir, "cards"), pki)
	if err != nil {
		t.Fatalf("SoftHSM cards: %v", err)
	}
	t.Setenv("SOFTHSM2_CONF", cards.ConfPath())
	m, err := cards.Open()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	login := func(fx cpstest.Fixture) *cps.Card {
		slot, err := cards.Slot(ctx, m, fx.Label)
		if err != nil {
			t.Fatal(err)
		}
		c, err := m.Login(ctx, slot, []byte(fx.PIN))
		if err != nil {
			t.Fatalf("login %s: %v", fx.Label, err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	titulaire := login(cpstest.Titulaire)
	signer := titulaire.TLSCertificate().PrivateKey.(crypto.Signer)

	path := filepath.Join(dir, "cache.db")
	ref := store.Ref{BAL: "pharmacie@sandbox.mssante.test", Folder: "INBOX", UID: 1}
	for round := range 2 {
		before := titulaire.PrivateKeyOps()
		s, err := store.Open(path, signer, store.Options{})
		if err != nil {
			t.Fatalf("open %d with the card: %v", round, err)
		}
		if n := titulaire.PrivateKeyOps() - before; n != 1 {
			t.Errorf("open %d: %d card operations, want 1", round, n)
		}
		if round == 0 {
			err = s.PutMessages([]store.Message{{Envelope: store.Envelope{Ref: ref, Subject: "Ordonnance de Mme Martin", Date: time.Now()}, Body: []byte("raw")}})
		} else {
			var e store.Envelope
			if e, err = s.Envelope(ref); err == nil && e.Subject != "Ordonnance de Mme Martin" {
				t.Errorf("after reopening: subject %q", e.Subject)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}

	other := login(cpstest.Preparateur)
	if _, err := store.Open(path, other.TLSCertificate().PrivateKey.(crypto.Signer), store.Options{}); !errors.Is(err, store.ErrWrongCard) {
		t.Fatalf("another holder's card: %v, want ErrWrongCard", err)
	}
}
