package keyring

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/windows"

	"comptoir/store"
)

// DPAPI keeps each secret as a file in Dir, protected by CryptProtectData in the user's
// scope (no UI): Windows derives the key from the user's logon credentials, so only that
// user, on this machine, unprotects it. The account is the optional entropy too, so a blob
// copied to another account's file does not unprotect.
type DPAPI struct {
	Dir string
}

// NewDPAPI keeps the protected secrets in dir (created on first Set).
func NewDPAPI(dir string) *DPAPI { return &DPAPI{Dir: dir} }

// BlobPath is the file holding the protected secret of account.
func (d *DPAPI) BlobPath(account string) string {
	sum := sha256.Sum256([]byte(Service + "\x00" + account))
	return filepath.Join(d.Dir, "cache-key-"+hex.EncodeToString(sum[:10])+".dpapi")
}

func blob(b []byte) *windows.DataBlob {
	if len(b) == 0 {
		return &windows.DataBlob{}
	}
	return &windows.DataBlob{Size: uint32(len(b)), Data: &b[0]}
}

// takeBlob copies a blob that Windows allocated, zeroes and frees it.
func takeBlob(b *windows.DataBlob) []byte {
	if b.Data == nil {
		return nil
	}
	s := unsafe.Slice(b.Data, b.Size)
	out := append([]byte(nil), s...)
	clear(s)
	windows.LocalFree(windows.Handle(unsafe.Pointer(b.Data)))
	return out
}

func entropy(account string) []byte { return []byte("comptoir-keyring\x00" + account) }

// Get returns the secret of account.
func (d *DPAPI) Get(_ context.Context, account string) ([]byte, error) {
	protected, err := os.ReadFile(d.BlobPath(account))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("keyring: dpapi: %s: %w", account, store.ErrSecretNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("keyring: dpapi: %w: %w", store.ErrKeyringUnavailable, err)
	}
	var out windows.DataBlob
	if err := windows.CryptUnprotectData(blob(protected), nil, blob(entropy(account)), 0, nil, windows.CRYPTPROTECT_UI_FORBIDDEN, &out); err != nil {
		return nil, fmt.Errorf("keyring: dpapi: unprotect %s: %w: %w", account, store.ErrKeyringUnavailable, err)
	}
	return takeBlob(&out), nil
}

// Set stores or replaces the secret of account.
func (d *DPAPI) Set(_ context.Context, account string, secret []byte) error {
	name, err := windows.UTF16PtrFromString(label(account))
	if err != nil {
		return fmt.Errorf("keyring: dpapi: %w", err)
	}
	var out windows.DataBlob
	if err := windows.CryptProtectData(blob(secret), name, blob(entropy(account)), 0, nil, windows.CRYPTPROTECT_UI_FORBIDDEN, &out); err != nil {
		return fmt.Errorf("keyring: dpapi: protect: %w: %w", store.ErrKeyringUnavailable, err)
	}
	protected := takeBlob(&out)
	if err := os.MkdirAll(d.Dir, 0o700); err != nil {
		return fmt.Errorf("keyring: dpapi: %w: %w", store.ErrKeyringUnavailable, err)
	}
	// Write then rename: a crash never leaves half a blob under the account's name.
	tmp, err := os.CreateTemp(d.Dir, "tmp-*")
	if err != nil {
		return fmt.Errorf("keyring: dpapi: %w: %w", store.ErrKeyringUnavailable, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(protected)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), d.BlobPath(account))
	}
	if err != nil {
		return fmt.Errorf("keyring: dpapi: write: %w: %w", store.ErrKeyringUnavailable, err)
	}
	return nil
}

// Delete removes the secret of account.
func (d *DPAPI) Delete(_ context.Context, account string) error {
	if err := os.Remove(d.BlobPath(account)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("keyring: dpapi: %w: %w", store.ErrKeyringUnavailable, err)
	}
	return nil
}

var _ store.Keyring = (*DPAPI)(nil)
