package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Setting returns a copy of a small setting value (ErrNotFound). Settings are sealed like
// everything else: templates or signatures may name patients.
func (s *Store) Setting(key string) ([]byte, error) {
	var v []byte
	err := s.view(func(tx *bolt.Tx, k *sealKeys) error {
		var err error
		b := bucket(tx, k, bucketSettings)
		tk := k.tokener().sum(tokSetting, key, idSize)
		if b.b.Get(tk) == nil {
			return ErrNotFound
		}
		v, err = b.getBytes(tk)
		if v == nil {
			v = []byte{}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: setting %q: %w", key, err)
	}
	return v, nil
}

// SetSetting stores a setting; a nil value deletes it.
func (s *Store) SetSetting(key string, v []byte) error {
	err := s.update(func(tx *bolt.Tx, k *sealKeys) error {
		b := bucket(tx, k, bucketSettings)
		tk := k.tokener().sum(tokSetting, key, idSize)
		if v == nil {
			return b.b.Delete(tk)
		}
		return b.putBytes(tk, v)
	})
	if err != nil {
		return fmt.Errorf("store: set setting %q: %w", key, err)
	}
	return nil
}
