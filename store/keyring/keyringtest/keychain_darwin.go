// Package keyringtest gives tests a real OS secret store of their own: on Linux a private
// Secret Service (its own D-Bus bus and gnome-keyring-daemon, with an unlocked login
// collection in a temp dir, the user's keyring untouched); on Windows DPAPI with blobs in a
// temp dir; on macOS the login Keychain under a service name of the test's, emptied after.
package keyringtest

import (
	"context"
	"crypto/rand"
	"sync"
	"testing"

	"comptoir/store"
	"comptoir/store/keyring"
)

// New returns a private secret store of this OS for the test.
func New(t testing.TB) store.Keyring {
	kr := &tracking{Keychain: &keyring.Keychain{Service: "Comptoir-test-" + rand.Text()[:10]}}
	t.Cleanup(func() {
		kr.mu.Lock()
		defer kr.mu.Unlock()
		for a := range kr.accounts {
			kr.Keychain.Delete(context.Background(), a)
		}
	})
	return kr
}

// tracking remembers the accounts set, to delete them after the test.
type tracking struct {
	*keyring.Keychain
	mu       sync.Mutex
	accounts map[string]bool
}

func (k *tracking) Set(ctx context.Context, account string, secret []byte) error {
	k.mu.Lock()
	if k.accounts == nil {
		k.accounts = map[string]bool{}
	}
	k.accounts[account] = true
	k.mu.Unlock()
	return k.Keychain.Set(ctx, account, secret)
}
