package store

import (
	"errors"
	"fmt"
)

// Sentinel errors callers act on; test them with errors.Is.
var (
	// ErrLocked: another process (another Comptoir) holds the cache file.
	ErrLocked = errors.New("store: cache file in use by another Comptoir")
	// ErrWrongCard: the card's key does not unwrap this file's data key.
	ErrWrongCard = errors.New("store: this cache belongs to another card")
	// ErrCorrupt: the file is damaged or not a Comptoir cache; it was set aside (see CorruptError).
	ErrCorrupt = errors.New("store: cache file corrupt or foreign")
	// ErrNewerSchema: the file was written by a newer Comptoir; it is left untouched.
	ErrNewerSchema = errors.New("store: cache written by a newer Comptoir")
	// ErrDiskFull: a write failed for lack of space; the file is intact, the write is lost.
	ErrDiskFull = errors.New("store: disk full")
	// ErrSealed: the keys were wiped by Lock; call Unlock with the card.
	ErrSealed = errors.New("store: locked, card required")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("store: closed")
	// ErrNotFound: no such record.
	ErrNotFound = errors.New("store: not found")
	// ErrNoBody: the envelope is cached but not its body.
	ErrNoBody = errors.New("store: body not cached")
	// ErrUnsupportedKey: the signer's key cannot derive a key (RSA PKCS#1 v1.5 is required).
	ErrUnsupportedKey = errors.New("store: card key must be RSA")
	// ErrNoCardKey: the file was created without the card (OpenWithKeyring) and has no card
	// key yet: open it with the OS keyring, then Rekey with the card.
	ErrNoCardKey = errors.New("store: this cache has no card key yet")
	// ErrNotEnrolled: the file cannot be opened with the OS keyring on this workstation (no
	// OS-keyring key in it, or the keyring lacks the secret): a card login must enrol it.
	ErrNotEnrolled = errors.New("store: cache not enrolled for opening without the card on this workstation")
	// ErrKeyringUnavailable: the OS secret store cannot be reached or is locked.
	ErrKeyringUnavailable = errors.New("store: OS keyring unavailable")
	// ErrSecretNotFound: Keyring implementations return it (wrapped) when an account has no secret.
	ErrSecretNotFound = errors.New("store: no such secret in the OS keyring")
)

// CorruptError reports a damaged or foreign cache file and where it was moved.
type CorruptError struct {
	Path  string // the original path, now free (empty when found after Open)
	Aside string // where the file now is (empty when found after Open: Close, then Check)
	Err   error  // what was wrong
}

func (e *CorruptError) Error() string {
	if e.Aside == "" {
		return fmt.Sprintf("store: cache file corrupt: %v", e.Err)
	}
	return fmt.Sprintf("store: %s is corrupt or not a Comptoir cache (%v); set aside as %s", e.Path, e.Err, e.Aside)
}

// Is makes errors.Is(err, ErrCorrupt) true.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

func (e *CorruptError) Unwrap() error { return e.Err }
