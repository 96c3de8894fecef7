package cps_test

import (
	"context"
	"crypto"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"comptoir/cps"
	"comptoir/cps/cpstest"
)

// within waits for ch to deliver an event of kind for label, failing after d.
func within(t *testing.T, ch <-chan cps.Event, kind cps.EventKind, label string, d time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := time.After(d)
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				t.Fatal("watch channel closed")
			}
			if e.Kind == kind && e.Reader.Label == label {
				return time.Since(start)
			}
		case <-deadline:
			t.Fatalf("no %v event for %s within %v", kind, label, d)
		}
	}
}

func TestCardPulledDuringSignature(t *testing.T) {
	m, f := openModule(t)
	fx := cpstest.Titulaire
	c := login(t, m, fx)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := m.Watch(ctx, 0)
	within(t, events, cps.CardInserted, fx.Label, time.Second)

	signer := c.TLSCertificate().PrivateKey.(crypto.Signer)
	digest := sha256.Sum256([]byte("bonjour"))
	if _, err := signer.Sign(nil, digest[:], crypto.SHA256); err != nil {
		t.Fatalf("signature with the card in: %v", err)
	}
	f.PullDuringNextSign(fx.Label)
	pulled := time.Now()
	_, err := signer.Sign(nil, digest[:], crypto.SHA256)
	if !errors.Is(err, cps.ErrCardRemoved) {
		t.Fatalf("signature while pulling the card: err = %v, want ErrCardRemoved", err)
	}
	select {
	case <-c.Removed():
	case <-time.After(time.Second):
		t.Fatal("Removed() not closed within 1 s")
	}
	within(t, events, cps.CardRemoved, fx.Label, time.Second-time.Since(pulled))
	t.Logf("removal event %v after the pull", time.Since(pulled).Round(time.Millisecond))
	if _, err := signer.Sign(nil, digest[:], crypto.SHA256); !errors.Is(err, cps.ErrCardRemoved) {
		t.Fatalf("signature after removal: err = %v", err)
	}

	// Put back, the card asks for the PIN again: the old login died with it.
	f.Insert(fx.Label)
	within(t, events, cps.CardInserted, fx.Label, time.Second)
	slot, err := cards.Slot(ctx, m, fx.Label)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Login(ctx, slot, []byte("0000")); !errors.Is(err, cps.ErrPINIncorrect) {
		t.Fatalf("wrong PIN after re-insertion: err = %v, want ErrPINIncorrect", err)
	}
	c2, err := m.Login(ctx, slot, []byte(fx.PIN))
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if _, err := c2.TLSCertificate().PrivateKey.(crypto.Signer).Sign(nil, digest[:], crypto.SHA256); err != nil {
		t.Fatalf("signature after re-insertion: %v", err)
	}
}

func TestPulledCardEndsTheSessionWithinASecond(t *testing.T) {
	m, f := openModule(t)
	fx := cpstest.Medecin
	c := login(t, m, fx)
	f.Pull(fx.Label)
	defer f.Insert(fx.Label)
	select {
	case <-c.Removed():
	case <-time.After(time.Second):
		t.Fatal("Removed() not closed within 1 s of the pull")
	}
	digest := sha256.Sum256([]byte("x"))
	if _, err := c.DocumentSigner().Sign(nil, digest[:], crypto.SHA256); !errors.Is(err, cps.ErrCardRemoved) {
		t.Fatalf("err = %v, want ErrCardRemoved", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close after removal: %v", err)
	}
	readers, err := m.Readers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range readers {
		if r.Label == fx.Label && r.CardPresent {
			t.Fatal("pulled card still listed as present")
		}
	}
	slot := c.Slot()
	if _, err := m.Login(context.Background(), slot, []byte(fx.PIN)); !errors.Is(err, cps.ErrNoCard) {
		t.Fatalf("login on an empty reader: err = %v, want ErrNoCard", err)
	}
}

func TestReadersListTheCards(t *testing.T) {
	m, _ := openModule(t)
	readers, err := m.Readers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	present := map[string]bool{}
	for _, r := range readers {
		if r.CardPresent {
			present[r.Label] = true
			if r.Serial == "" || r.Description == "" {
				t.Errorf("reader %+v lacks serial or description", r)
			}
		}
	}
	for _, fx := range cpstest.Fixtures() {
		if !present[fx.Label] {
			t.Errorf("card %s not listed", fx.Label)
		}
	}
	if len(present) != len(cpstest.Fixtures()) {
		t.Errorf("%d cards listed, want %d (the blank SoftHSM slot is no card)", len(present), len(cpstest.Fixtures()))
	}
}
