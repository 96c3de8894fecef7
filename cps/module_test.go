package cps_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"comptoir/cps"
	"comptoir/cps/cpstest"
)

func TestOpenIsOncePerProcess(t *testing.T) {
	// openModule already loaded the library in this process; loading it again, plain or
	// wrapped, must not run C_Initialize a second time (CKR_CRYPTOKI_ALREADY_INITIALIZED).
	openModule(t)
	for range 2 {
		m, err := cps.Open(cards.ModulePath())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Readers(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cps.Open(t.TempDir() + "/absent.so"); err == nil {
		t.Fatal("loading a missing library succeeded")
	}
}

func TestWatchStopsWithItsContext(t *testing.T) {
	m, f := openModule(t)
	ctx, cancel := context.WithCancel(context.Background())
	events := m.Watch(ctx, 20*time.Millisecond)
	within(t, events, cps.CardInserted, cpstest.Preparateur.Label, time.Second)
	f.Pull(cpstest.Preparateur.Label)
	within(t, events, cps.CardRemoved, cpstest.Preparateur.Label, time.Second)
	f.Insert(cpstest.Preparateur.Label)
	within(t, events, cps.CardInserted, cpstest.Preparateur.Label, time.Second)
	cancel()
	deadline := time.After(time.Second)
	for {
		select {
		case _, ok := <-events:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("events not closed after cancel")
		}
	}
}

func TestNewCardsRefusesAModuleLoadedWithAnotherConf(t *testing.T) {
	openModule(t) // SoftHSM is loaded with the package's configuration
	t.Setenv("SOFTHSM2_CONF", "")
	_, err := cpstest.NewCards(t.TempDir(), pki)
	if err == nil || !strings.Contains(err.Error(), "SOFTHSM2_CONF") {
		t.Fatalf("err = %v, want a refusal naming SOFTHSM2_CONF", err)
	}
}
