package store

import (
	"context"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Check runs bbolt's consistency check over the whole file (every page reachable once,
// freelist coherent) and authenticates every sealed value. It reads the whole file: run it
// on demand (diagnostics), not at every start.
func (s *Store) Check(ctx context.Context) error {
	err := s.view(func(tx *bolt.Tx, k *keyring) error {
		var errs []error
		for err := range tx.Check() { // drain: the checker goroutine must finish
			if len(errs) < 10 {
				errs = append(errs, err)
			}
		}
		if len(errs) > 0 {
			return &CorruptError{Err: errors.Join(errs...)}
		}
		for _, name := range allBuckets() {
			if sealedBucket(name) {
				b := bucket(tx, k, name)
				c := b.b.Cursor()
				for key, v := c.First(); key != nil; key, v = c.Next() {
					if err := ctx.Err(); err != nil {
						return err
					}
					if _, err := k.open(name, key, v); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: check %s: %w", s.path, err)
	}
	return nil
}

// sealedBucket tells which buckets hold sealed values (the others hold empty values,
// plaintext header fields or doc locations).
func sealedBucket(name string) bool {
	switch name {
	case bucketMeta, bucketByDate, bucketDocs, bucketByID, bucketByPatient:
		return false
	}
	return true
}
