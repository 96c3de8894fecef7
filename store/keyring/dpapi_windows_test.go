package keyring_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"comptoir/store"
	"comptoir/store/keyring"
)

// TestDPAPIRoundTrip runs the Keyring contract on DPAPI (natively, or under wine from
// TestDPAPIUnderWine on Linux), and checks what lands on disk.
func TestDPAPIRoundTrip(t *testing.T) {
	kr := keyring.NewDPAPI(tempDir(t))
	testKeyringContract(t, kr)

	ctx := t.Context()
	const a, b = "810001111111", "810002222222"
	secret := []byte("a3f1c2d4e5b6978800112233445566778899aabbccddeeff0011223344556677")
	if err := kr.Set(ctx, a, secret); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(kr.BlobPath(a))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, secret) || bytes.Contains(raw, secret[:16]) {
		t.Errorf("%s holds the secret in clear", kr.BlobPath(a))
	}
	// A blob copied under another account's name does not unprotect: the account is the
	// DPAPI entropy.
	if err := os.WriteFile(kr.BlobPath(b), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := kr.Get(ctx, b); !errors.Is(err, store.ErrKeyringUnavailable) {
		t.Errorf("a blob copied to another account: %q, %v; want ErrKeyringUnavailable", got, err)
	}
	// A damaged blob is an error, not a secret.
	raw[len(raw)/2] ^= 1
	if err := os.WriteFile(kr.BlobPath(a), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := kr.Get(ctx, a); !errors.Is(err, store.ErrKeyringUnavailable) {
		t.Errorf("a damaged blob: %q, %v; want ErrKeyringUnavailable", got, err)
	}
}

// tempDir is t.TempDir without its failure on cleanup under wine (whose unlinkat lacks
// what os.RemoveAll asks of it); os.Remove works there and Delete uses it.
func tempDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "dpapi")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			os.Remove(filepath.Join(dir, e.Name()))
		}
		os.Remove(dir)
	})
	return dir
}
