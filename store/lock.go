package store

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// unlocker gets the data key of a file: from the card (cardUnlocker) or from the OS
// keyring (keyringUnlocker, oskeyring.go).
type unlocker interface {
	// unwrap returns the data key of an existing file.
	unwrap(s *Store, st fileState) ([]byte, error)
	// create returns the meta entries that wrap the data key of a new file.
	create(s *Store, dataKey, salt []byte) (map[string][]byte, error)
}

// cardUnlocker unwraps with one private-key operation of the card.
type cardUnlocker struct{ signer crypto.Signer }

func (u cardUnlocker) unwrap(s *Store, st fileState) ([]byte, error) {
	if len(st.wrapped) == 0 {
		// Before the card signs: a PIN operation for nothing would be one too many.
		return nil, fmt.Errorf("%w: %s was created without the card: open it with the OS keyring, then Rekey", ErrNoCardKey, s.path)
	}
	kwk, err := wrappingKey(u.signer, st.salt)
	if err != nil {
		return nil, err
	}
	defer wipe(kwk)
	return unwrapDataKey(kwk, st.wrapped)
}

func (u cardUnlocker) create(_ *Store, dataKey, salt []byte) (map[string][]byte, error) {
	kwk, err := wrappingKey(u.signer, salt)
	if err != nil {
		return nil, err
	}
	defer wipe(kwk)
	wrapped, err := wrapDataKey(kwk, dataKey)
	if err != nil {
		return nil, err
	}
	return map[string][]byte{metaWrapped: wrapped}, nil
}

func (s *Store) unwrap(u unlocker, st fileState) error {
	dataKey, err := u.unwrap(s, st)
	if err != nil {
		return fmt.Errorf("store: unlock %s: %w", s.path, err)
	}
	return s.setKeys(dataKey)
}

func (s *Store) unlockWith(u unlocker) error {
	st, err := s.readHeader()
	if err != nil {
		return fmt.Errorf("store: unlock %s: %w", s.path, err)
	}
	return s.unwrap(u, st)
}

func (s *Store) setKeys(dataKey []byte) error {
	k, err := newSealKeys(dataKey, s.encrypt)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keys != nil {
		s.keys.wipe()
	}
	wipe(s.dataKey)
	s.keys, s.dataKey = k, dataKey
	return nil
}

// Lock wipes the keys from memory (card pulled, session locked). The file stays open and
// locked against other processes; every call then returns ErrSealed until Unlock.
func (s *Store) Lock() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keys != nil {
		s.keys.wipe()
		s.keys = nil
	}
	wipe(s.dataKey)
	s.dataKey = nil
	s.words = nil // plaintext words and their tokens
}

// Unlock derives the keys again with one private-key operation of signer.
func (s *Store) Unlock(signer crypto.Signer) error {
	if signer == nil {
		return fmt.Errorf("store: unlock %s: nil signer", s.path)
	}
	return s.unlockWith(cardUnlocker{signer})
}

// Rekey wraps the data key for a card (one private-key operation of next) under a fresh
// salt: a renewed card (the old one no longer opens the file), or the first card of a file
// created with the OS keyring (ErrNoCardKey). The OS-keyring key, if any, stays. The
// store must be unlocked.
func (s *Store) Rekey(next crypto.Signer) error {
	s.mu.RLock()
	dk := bytes.Clone(s.dataKey)
	s.mu.RUnlock()
	if dk == nil {
		return ErrSealed
	}
	defer wipe(dk)
	salt := make([]byte, saltSize)
	rand.Read(salt)
	kwk, err := wrappingKey(next, salt)
	if err != nil {
		return fmt.Errorf("store: rekey %s: %w", s.path, err)
	}
	defer wipe(kwk)
	wrapped, err := wrapDataKey(kwk, dk)
	if err != nil {
		return err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		m := tx.Bucket([]byte(bucketMeta))
		if err := m.Put([]byte(metaSalt), salt); err != nil {
			return err
		}
		return m.Put([]byte(metaWrapped), wrapped)
	})
	if err != nil {
		return fmt.Errorf("store: rekey %s: %w", s.path, diskErr(err))
	}
	return nil
}

// wordCache returns the token cache; call only inside update (bbolt write lock held).
func (s *Store) wordCache() *wordCache {
	if s.words == nil {
		s.words = &wordCache{words: map[string]uint64{}, prefixes: map[string]uint64{}}
	}
	return s.words
}

// keysLocked returns the current keys or why there are none. Callers hold s.mu.RLock.
func (s *Store) keysLocked() (*sealKeys, error) {
	if s.closed {
		return nil, ErrClosed
	}
	if s.keys == nil {
		return nil, ErrSealed
	}
	return s.keys, nil
}
