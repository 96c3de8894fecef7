//go:build !windows && !darwin

package store_test

import (
	"errors"
	"testing"

	"comptoir/store"
	"comptoir/store/keyring/keyringtest"
)

// TestPSCCacheKeyringLocked: a locked OS keyring (screen lock, timeout) refuses the open
// with ErrKeyringUnavailable; nothing prompts.
func TestPSCCacheKeyringLocked(t *testing.T) {
	ss := keyringtest.StartSecretService(t)
	path := enrolled(t, ss.Keyring)
	ss.Lock(t)
	if _, err := store.OpenWithKeyring(t.Context(), path, rpps, ss.Keyring, opts); !errors.Is(err, store.ErrKeyringUnavailable) {
		t.Errorf("open with a locked keyring: %v, want ErrKeyringUnavailable", err)
	}
}
