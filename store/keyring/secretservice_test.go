//go:build !windows && !darwin

package keyring_test

import (
	"context"
	"errors"
	"testing"

	"github.com/godbus/dbus/v5"

	"comptoir/store"
	"comptoir/store/keyring"
	"comptoir/store/keyring/keyringtest"
)

// TestSecretServiceRoundTrip runs the Keyring contract against gnome-keyring-daemon.
func TestSecretServiceRoundTrip(t *testing.T) {
	ss := keyringtest.StartSecretService(t)
	testKeyringContract(t, ss.Keyring)
}

// TestSecretServiceLocked: a locked keyring is reported as unavailable, never prompted.
func TestSecretServiceLocked(t *testing.T) {
	ss := keyringtest.StartSecretService(t)
	ctx := t.Context()
	if err := ss.Keyring.Set(ctx, "810001234567", []byte("0123456789abcdef0123456789abcdef")); err != nil {
		t.Fatal(err)
	}
	ss.Lock(t)
	if _, err := ss.Keyring.Get(ctx, "810001234567"); !errors.Is(err, store.ErrKeyringUnavailable) {
		t.Errorf("Get from a locked keyring: %v, want ErrKeyringUnavailable", err)
	}
	if err := ss.Keyring.Set(ctx, "810009876543", []byte("0123456789abcdef0123456789abcdef")); !errors.Is(err, store.ErrKeyringUnavailable) {
		t.Errorf("Set into a locked keyring: %v, want ErrKeyringUnavailable", err)
	}
}

// TestSecretServiceAbsent: a session without a Secret Service (a desktop without a
// keyring) is reported as unavailable, with a deadline.
func TestSecretServiceAbsent(t *testing.T) {
	addr := keyringtest.StartBus(t, keyringtest.TempDir(t))
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	kr := keyring.NewSecretService(conn, "")
	if _, err := kr.Get(t.Context(), "810001234567"); !errors.Is(err, store.ErrKeyringUnavailable) {
		t.Errorf("Get without a Secret Service: %v, want ErrKeyringUnavailable", err)
	}
	if err := kr.Set(t.Context(), "810001234567", []byte("x")); !errors.Is(err, store.ErrKeyringUnavailable) {
		t.Errorf("Set without a Secret Service: %v, want ErrKeyringUnavailable", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := kr.Get(ctx, "810001234567"); !errors.Is(err, store.ErrKeyringUnavailable) {
		t.Errorf("Get with a cancelled context: %v, want ErrKeyringUnavailable", err)
	}
}
