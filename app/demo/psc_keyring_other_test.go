//go:build windows || darwin

package demo_test

import (
	"path/filepath"
	"runtime"
	"testing"

	"comptoir/store"
	"comptoir/store/keyring/keyringtest"
)

// privateKeyring is a real OS secret store of the test's own, and where it keeps its files.
type privateKeyring struct {
	Keyring store.Keyring
	// Dir holds the store's files ("" when they are not the test's own); FileSuffix names
	// those a token scan must read ("" when none is known).
	Dir, FileSuffix string
}

// newPrivateKeyring: DPAPI with its blobs in one of the test's temp dirs (Windows), or the
// login Keychain under a service name of the test's (macOS, files not the test's).
func newPrivateKeyring(t *testing.T) *privateKeyring {
	t.Helper()
	kr := &privateKeyring{Keyring: keyringtest.New(t)}
	if runtime.GOOS == "windows" {
		kr.Dir = filepath.Dir(t.TempDir()) // the test's temp dirs share this parent
	}
	return kr
}
