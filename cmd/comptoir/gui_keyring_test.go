package main

import (
	"errors"
	"fmt"
	"testing"

	"comptoir/store"
	"comptoir/store/keyring"
	"comptoir/store/keyring/keyringtest"
)

type nopCloser struct{ store.Keyring }

func (nopCloser) Close() error { return nil }

// The app's OS keyring is opened at the first login that needs it, not at launch, and an
// opening that failed (no session bus yet) is tried again at the next use.
func TestPSCKeyringOpensAtFirstUse(t *testing.T) {
	private := keyringtest.New(t)
	calls, fail := 0, true
	k := &osKeyring{open: func() (keyring.Closer, error) {
		calls++
		if fail {
			return nil, fmt.Errorf("keyring: %w: session D-Bus: no bus", store.ErrKeyringUnavailable)
		}
		return nopCloser{private}, nil
	}}
	if calls != 0 {
		t.Fatal("opened at construction")
	}
	if _, err := k.Get(t.Context(), "899700412358"); !errors.Is(err, store.ErrKeyringUnavailable) {
		t.Fatalf("Get without a keyring: %v", err)
	}
	fail = false
	if err := k.Set(t.Context(), "899700412358", []byte("0123456789abcdef0123456789abcdef")); err != nil {
		t.Fatal(err)
	}
	got, err := k.Get(t.Context(), "899700412358")
	if err != nil || string(got) != "0123456789abcdef0123456789abcdef" {
		t.Fatalf("Get: %q, %v", got, err)
	}
	if calls != 2 {
		t.Fatalf("%d openings, want the failed one and one more", calls)
	}
	if err := k.Delete(t.Context(), "899700412358"); err != nil {
		t.Fatal(err)
	}
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
}
