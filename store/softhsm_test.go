package store_test

import (
	"context"
	"crypto"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"comptoir/cps"
	"comptoir/cps/cpstest"
	"comptoir/store"
)

// softHSM is the test cards of this test binary: SoftHSM2 takes one configuration per
// process, so the tests share one token directory, removed when they have all run.
var softHSM = sync.OnceValues(func() (softHSMCards, error) {
	dir, err := os.MkdirTemp("", "store-softhsm")
	if err != nil {
		return softHSMCards{}, err
	}
	store.CleanupAfterTests(func() { os.RemoveAll(dir) })
	pki, err := cpstest.NewPKI(filepath.Join(dir, "pki"))
	if err != nil {
		return softHSMCards{}, err
	}
	os.Unsetenv("SOFTHSM2_CONF") // NewCards sets it to its own
	cards, err := cpstest.NewCards(filepath.Join(dir, "cards"), pki)
	if err != nil {
		return softHSMCards{}, err
	}
	m, err := cards.Open()
	return softHSMCards{cards, m}, err
})

type softHSMCards struct {
	*cpstest.Cards
	m *cps.Module
}

// loginCard logs a test card in (closed at the test's end).
func loginCard(t *testing.T, fx cpstest.Fixture) *cps.Card {
	t.Helper()
	cards, err := softHSM()
	if err != nil {
		t.Fatalf("SoftHSM cards: %v", err)
	}
	m := cards.m
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
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

// TestRealCardThroughSoftHSM unlocks the cache with a CPS test card on SoftHSM2 through
// the cps package: exactly one private-key operation per Open, and the other holder's card
// cannot open the file.
func TestRealCardThroughSoftHSM(t *testing.T) {
	dir := t.TempDir()
	titulaire := loginCard(t, cpstest.Titulaire)
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

	other := loginCard(t, cpstest.Preparateur)
	if _, err := store.Open(path, other.TLSCertificate().PrivateKey.(crypto.Signer), store.Options{}); !errors.Is(err, store.ErrWrongCard) {
		t.Fatalf("another holder's card: %v, want ErrWrongCard", err)
	}
}
