// Package keyringtest gives tests a real OS secret store of their own: on Linux a private
// Secret Service (its own D-Bus bus and gnome-keyring-daemon, with an unlocked login
// collection in a temp dir, the user's keyring untouched); on Windows DPAPI with blobs in a
// temp dir; on macOS the login Keychain under a service name of the test's, emptied after.
package keyringtest

import (
	"testing"

	"comptoir/store"
	"comptoir/store/keyring"
)

// New returns a private secret store of this OS for the test.
func New(t testing.TB) store.Keyring { return keyring.NewDPAPI(t.TempDir()) }
