package keyring_test

import (
	"testing"

	"comptoir/store/keyring/keyringtest"
)

// TestKeychainRoundTrip runs the Keyring contract on the login Keychain, under a service
// name of the test's (removed after). Not run on the Linux CI: macOS only.
func TestKeychainRoundTrip(t *testing.T) {
	testKeyringContract(t, keyringtest.New(t))
}
