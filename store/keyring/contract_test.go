package keyring_test

import (
	"bytes"
	"errors"
	"testing"

	"comptoir/store"
)

// testKeyringContract: what store.Keyring promises, on a real secret store.
func testKeyringContract(t *testing.T, kr store.Keyring) {
	ctx := t.Context()
	const a, b = "810001234567", "810009876543"
	if _, err := kr.Get(ctx, a); !errors.Is(err, store.ErrSecretNotFound) {
		t.Fatalf("Get before Set: %v, want ErrSecretNotFound", err)
	}
	if err := kr.Delete(ctx, a); err != nil {
		t.Fatalf("Delete of a missing secret: %v", err)
	}
	s1 := []byte("6f1c0e5a9d2b47c8a3e1f0b7d6c5a4938271605f4e3d2c1b0a99887766554433")
	s2 := []byte("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")
	for _, step := range []struct {
		account string
		secret  []byte
	}{{a, s1}, {b, s2}, {a, s2}} { // the third replaces a's
		if err := kr.Set(ctx, step.account, step.secret); err != nil {
			t.Fatalf("Set %s: %v", step.account, err)
		}
		got, err := kr.Get(ctx, step.account)
		if err != nil || !bytes.Equal(got, step.secret) {
			t.Fatalf("Get %s after Set: %q, %v", step.account, got, err)
		}
	}
	if err := kr.Delete(ctx, a); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := kr.Get(ctx, a); !errors.Is(err, store.ErrSecretNotFound) {
		t.Errorf("Get after Delete: %v, want ErrSecretNotFound", err)
	}
	if got, err := kr.Get(ctx, b); err != nil || !bytes.Equal(got, s2) {
		t.Errorf("the other account after Delete: %q, %v", got, err)
	}
}
