package store

import (
	"bytes"
	"context"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Keyring is the operating system's per-user secret store: Windows DPAPI, macOS Keychain,
// Linux Secret Service (implementations in comptoir/store/keyring). It keeps, per holder
// (account: the national ID), a random secret that wraps the cache's data key a second
// time, so the cache opens without the card once the session has verified a Pro Santé
// Connect login of that holder (OpenWithKeyring). See the package comment's threat model.
type Keyring interface {
	// Get returns the secret of account, or an error wrapping ErrSecretNotFound.
	Get(ctx context.Context, account string) ([]byte, error)
	// Set stores or replaces the secret of account.
	Set(ctx context.Context, account string, secret []byte) error
	// Delete removes the secret of account; a missing one is not an error.
	Delete(ctx context.Context, account string) error
}

// Domain separation of the OS-keyring wrapping (see keys.go).
const (
	infoOSWrapKey = "comptoir/store/v1/os-keyring-wrapping-key"
	osWrapAAD     = "comptoir/store/v1/data-key/os-keyring"
	osSecretSize  = 32 // random bytes of a new secret (stored hex-encoded: printable everywhere)
	minSecretSize = 32 // shorter secrets found in a keyring are refused
)

// ValidAccount tells whether s can name a holder in a keyring: 1 to 64 characters among
// letters, digits and / . _ - (national IDs are digits, or a structure ID and a slash).
func ValidAccount(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '/', r == '.', r == '_', r == '-':
		default:
			return false
		}
	}
	return true
}

// osWrappingKey derives the key that wraps the data key from a keyring secret, bound to
// the account it is stored under.
func osWrappingKey(secret []byte, account string) ([]byte, error) {
	kwk, err := hkdf.Key(sha256.New, secret, nil, infoOSWrapKey+"\x00"+account, 32)
	if err != nil {
		return nil, fmt.Errorf("store: hkdf: %w", err)
	}
	return kwk, nil
}

// keyringErr marks a keyring failure that is not a missing secret as ErrKeyringUnavailable.
func keyringErr(err error) error {
	if errors.Is(err, ErrKeyringUnavailable) || errors.Is(err, ErrSecretNotFound) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrKeyringUnavailable, err)
}

// keyringUnlocker unwraps with the secret kr holds for account.
type keyringUnlocker struct {
	ctx     context.Context
	kr      Keyring
	account string
}

func (u keyringUnlocker) unwrap(s *Store, st fileState) ([]byte, error) {
	if len(st.osWrapped) == 0 {
		return nil, fmt.Errorf("%w: %s has no OS-keyring key (log in once with the card on this workstation)", ErrNotEnrolled, s.path)
	}
	secret, err := u.kr.Get(u.ctx, u.account)
	if errors.Is(err, ErrSecretNotFound) {
		return nil, fmt.Errorf("%w: the OS keyring holds no secret for %s: %w", ErrNotEnrolled, u.account, err)
	}
	if err != nil {
		return nil, keyringErr(err)
	}
	defer wipe(secret)
	if len(secret) < minSecretSize {
		return nil, fmt.Errorf("%w: the OS keyring's secret for %s is too short", ErrNotEnrolled, u.account)
	}
	kwk, err := osWrappingKey(secret, u.account)
	if err != nil {
		return nil, err
	}
	defer wipe(kwk)
	dk, err := unwrapWith(kwk, st.osWrapped, osWrapAAD)
	if err != nil {
		return nil, fmt.Errorf("%w: the OS keyring's secret for %s does not open %s", ErrNotEnrolled, u.account, s.path)
	}
	return dk, nil
}

func (u keyringUnlocker) create(_ *Store, dataKey, _ []byte) (map[string][]byte, error) {
	wrapped, err := wrapForKeyring(u.ctx, u.kr, u.account, dataKey, nil)
	if err != nil {
		return nil, err
	}
	return map[string][]byte{metaOSWrapped: wrapped}, nil
}

// wrapForKeyring wraps dataKey with the secret kr holds for account, creating the secret
// if there is none. If current (the file's wrapping) already opens with that secret to
// dataKey, it returns current: enrolment is idempotent and costs one keyring read. A
// secret already there is reused, never replaced: another cache file of the same holder
// (another data directory) may use it.
func wrapForKeyring(ctx context.Context, kr Keyring, account string, dataKey, current []byte) ([]byte, error) {
	secret, err := kr.Get(ctx, account)
	switch {
	case errors.Is(err, ErrSecretNotFound):
		raw := make([]byte, osSecretSize)
		rand.Read(raw)
		secret = []byte(hex.EncodeToString(raw))
		wipe(raw)
		if err := kr.Set(ctx, account, secret); err != nil {
			wipe(secret)
			return nil, keyringErr(err)
		}
	case err != nil:
		return nil, keyringErr(err)
	}
	defer wipe(secret)
	if len(secret) < minSecretSize {
		return nil, fmt.Errorf("%w: the OS keyring's secret for %s is too short", ErrKeyringUnavailable, account)
	}
	kwk, err := osWrappingKey(secret, account)
	if err != nil {
		return nil, err
	}
	defer wipe(kwk)
	if len(current) > 0 {
		if dk, err := unwrapWith(kwk, current, osWrapAAD); err == nil {
			same := bytes.Equal(dk, dataKey)
			wipe(dk)
			if same {
				return current, nil
			}
		}
	}
	return wrapWith(kwk, dataKey, osWrapAAD)
}

// OpenWithKeyring opens (or creates) the cache file at path without the card: the data
// key is unwrapped by the secret kr holds for nationalID (EnrollKeyring put it there). The
// store cannot tell who is at the keyboard: call it only once the session has verified a
// Pro Santé Connect login of that holder on this workstation, and give it the file of that
// holder (PathFor(nationalID)), the one a card login opens.
//
// A new file gets only the OS-keyring key; Rekey adds the card's at the holder's first
// card login (Open returns ErrNoCardKey until then).
//
// Errors: ErrNotEnrolled (no OS-keyring key in the file, no secret in the keyring, or not
// the right one: a card login must enrol this workstation), ErrKeyringUnavailable (no
// secret service, keyring locked), and those of Open.
func OpenWithKeyring(ctx context.Context, path, nationalID string, kr Keyring, opts Options) (*Store, error) {
	if kr == nil || !ValidAccount(nationalID) {
		return nil, fmt.Errorf("store: open %s: no keyring or invalid national ID %q", path, nationalID)
	}
	return open(path, keyringUnlocker{ctx: ctx, kr: kr, account: nationalID}, opts)
}

// UnlockWithKeyring derives the keys again after Lock from the secret kr holds for
// nationalID; the same conditions as OpenWithKeyring apply.
func (s *Store) UnlockWithKeyring(ctx context.Context, kr Keyring, nationalID string) error {
	if kr == nil || !ValidAccount(nationalID) {
		return fmt.Errorf("store: unlock %s: no keyring or invalid national ID %q", s.path, nationalID)
	}
	return s.unlockWith(keyringUnlocker{ctx: ctx, kr: kr, account: nationalID})
}

// EnrollKeyring wraps the data key a second time with the secret kr holds for nationalID
// (created if there is none), so that OpenWithKeyring opens this file. The store must be
// unlocked; no card operation. Call it after a card login of that holder (or let the
// session decide); it is idempotent and costs one keyring read when already done.
func (s *Store) EnrollKeyring(ctx context.Context, kr Keyring, nationalID string) error {
	if kr == nil || !ValidAccount(nationalID) {
		return fmt.Errorf("store: enroll %s: no keyring or invalid national ID %q", s.path, nationalID)
	}
	s.mu.RLock()
	dk := bytes.Clone(s.dataKey)
	s.mu.RUnlock()
	if dk == nil {
		return ErrSealed
	}
	defer wipe(dk)
	st, err := s.readHeader()
	if err != nil {
		return fmt.Errorf("store: enroll %s: %w", s.path, err)
	}
	wrapped, err := wrapForKeyring(ctx, kr, nationalID, dk, st.osWrapped)
	if err != nil {
		return fmt.Errorf("store: enroll %s: %w", s.path, err)
	}
	if bytes.Equal(wrapped, st.osWrapped) {
		return nil
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bucketMeta)).Put([]byte(metaOSWrapped), wrapped)
	})
	if err != nil {
		return fmt.Errorf("store: enroll %s: %w", s.path, diskErr(err))
	}
	s.log.Info("store: OS-keyring key added", "path", s.path)
	return nil
}

// DisenrollKeyring removes the OS-keyring key from the file and the secret from kr: only
// the card opens the file again (a Pro Santé Connect login no longer does, on this
// workstation, until the next EnrollKeyring). Refused with ErrNoCardKey if the file has no
// card key: it would open no more. Another cache file of the same holder that used the
// same secret (another data directory) loses its OS-keyring key too.
func (s *Store) DisenrollKeyring(ctx context.Context, kr Keyring, nationalID string) error {
	if kr == nil || !ValidAccount(nationalID) {
		return fmt.Errorf("store: disenroll %s: no keyring or invalid national ID %q", s.path, nationalID)
	}
	st, err := s.readHeader()
	if err != nil {
		return fmt.Errorf("store: disenroll %s: %w", s.path, err)
	}
	if len(st.wrapped) == 0 {
		return fmt.Errorf("%w: %s opens only with the OS keyring; log in with the card first", ErrNoCardKey, s.path)
	}
	// The file first: once its wrapping is gone, the secret opens nothing here. The old
	// wrapping may linger in free pages, useless without the secret.
	err = s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bucketMeta)).Delete([]byte(metaOSWrapped))
	})
	if err != nil {
		return fmt.Errorf("store: disenroll %s: %w", s.path, diskErr(err))
	}
	if err := kr.Delete(ctx, nationalID); err != nil {
		return fmt.Errorf("store: disenroll %s: %w", s.path, keyringErr(err))
	}
	s.log.Info("store: OS-keyring key removed", "path", s.path)
	return nil
}

// Keys tells which keys open the file: the card's, and the OS keyring's.
func (s *Store) Keys() (card, osKeyring bool, err error) {
	st, err := s.readHeader()
	if err != nil {
		return false, false, fmt.Errorf("store: keys of %s: %w", s.path, err)
	}
	return len(st.wrapped) > 0, len(st.osWrapped) > 0, nil
}
