package cps_test

import (
	"context"
	"errors"
	"testing"

	"comptoir/cps"
	"comptoir/cps/cpstest"
)

func TestWrongPINShowsRemainingTries(t *testing.T) {
	m, f := openModule(t)
	ctx := context.Background()
	fx := cpstest.Medecin
	slot, err := cards.Slot(ctx, m, fx.Label)
	if err != nil {
		t.Fatal(err)
	}
	wantStates := []cps.PINState{{CountLow: true}, {CountLow: true, FinalTry: true}}
	for i, want := range wantStates {
		_, err := m.Login(ctx, slot, []byte("0000"))
		var pe *cps.PINError
		if !errors.As(err, &pe) || !errors.Is(err, cps.ErrPINIncorrect) {
			t.Fatalf("try %d: err = %v, want a PINError wrapping ErrPINIncorrect", i+1, err)
		}
		if pe.State != want {
			t.Fatalf("try %d: state = %+v, want %+v", i+1, pe.State, want)
		}
		// The UI can read the same warning before the next try, without a PIN.
		if st, err := m.PINState(ctx, slot); err != nil || st != want {
			t.Fatalf("try %d: PINState = %+v, %v", i+1, st, err)
		}
	}
	c, err := m.Login(ctx, slot, []byte(fx.PIN))
	if err != nil {
		t.Fatalf("right PIN after two wrong ones: %v", err)
	}
	defer c.Close()
	if got := f.LoginCalls(fx.Label); got != 3 {
		t.Fatalf("%d C_Login calls, want 3 (one per Login)", got)
	}
}

func TestThreeWrongPINsLockAndNoFurtherLogin(t *testing.T) {
	m, f := openModule(t)
	ctx := context.Background()
	fx := cpstest.Preparateur
	slot, err := cards.Slot(ctx, m, fx.Label)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		_, err = m.Login(ctx, slot, []byte("9999"))
	}
	var pe *cps.PINError
	if !errors.Is(err, cps.ErrPINLocked) || !errors.As(err, &pe) || !pe.State.Locked {
		t.Fatalf("third wrong PIN: err = %v, want ErrPINLocked with Locked state", err)
	}
	if got := f.LoginCalls(fx.Label); got != 3 {
		t.Fatalf("%d C_Login calls after three tries, want 3", got)
	}
	// Even the right PIN must not reach the card any more.
	if _, err := m.Login(ctx, slot, []byte(fx.PIN)); !errors.Is(err, cps.ErrPINLocked) {
		t.Fatalf("login on a locked card: err = %v, want ErrPINLocked", err)
	}
	if got := f.LoginCalls(fx.Label); got != 3 {
		t.Fatalf("a login on a locked card reached the module (%d calls)", got)
	}
}

func TestLoginTwiceReusesTheSession(t *testing.T) {
	m, f := openModule(t)
	c := login(t, m, cpstest.Titulaire)
	again := login(t, m, cpstest.Titulaire)
	if again != c {
		t.Fatal("second Login opened another session")
	}
	if got := f.LoginCalls(cpstest.Titulaire.Label); got != 1 {
		t.Fatalf("%d C_Login calls, want 1", got)
	}
}

func TestLoginOnAnEmptyOrUnknownReader(t *testing.T) {
	m, _ := openModule(t)
	ctx := context.Background()
	readers, err := m.Readers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var empty []uint
	for _, r := range readers {
		if !r.CardPresent {
			empty = append(empty, r.Slot)
		}
	}
	for _, slot := range append(empty, 0xdeadbeef) {
		if _, err := m.Login(ctx, slot, []byte("1234")); !errors.Is(err, cps.ErrNoCard) {
			t.Errorf("login on slot %#x: err = %v, want ErrNoCard", slot, err)
		}
	}
}
