package store

import (
	"errors"
	"fmt"
	"runtime/debug"

	bolt "go.etcd.io/bbolt"
)

// view runs fn in a read transaction with the keys; a bbolt panic becomes ErrCorrupt.
func (s *Store) view(fn func(tx *bolt.Tx, k *sealKeys) error) (err error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	k, err := s.keysLocked()
	if err != nil {
		return err
	}
	defer guard(&err)()
	return s.db.View(func(tx *bolt.Tx) error { return fn(tx, k) })
}

// update runs fn in a write transaction; it commits (and fsyncs) only if fn returns nil.
func (s *Store) update(fn func(tx *bolt.Tx, k *sealKeys) error) (err error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	k, err := s.keysLocked()
	if err != nil {
		return err
	}
	defer guard(&err)()
	err = diskErr(s.db.Update(func(tx *bolt.Tx) error { return fn(tx, k) }))
	if err == nil {
		// Pages a write read through the mapping would otherwise stay resident: a bulk
		// sync would keep hundreds of MB of the file in the resident set.
		releaseMapped(s.db)
	}
	return err
}

// diskErr marks write failures for lack of space with ErrDiskFull. bbolt rolls the
// transaction back and never writes the meta page, so the file keeps its last commit.
func diskErr(err error) error {
	if err != nil && isDiskFull(err) && !errors.Is(err, ErrDiskFull) {
		return fmt.Errorf("%w: %w", ErrDiskFull, err)
	}
	return err
}

// guard turns a panic or a memory fault while reading the mapped file (bbolt on a damaged
// or truncated file) into ErrCorrupt: bad files must not crash the app. Use as
// defer guard(&err)().
func guard(err *error) func() {
	old := debug.SetPanicOnFault(true)
	return func() {
		debug.SetPanicOnFault(old)
		if r := recover(); r != nil {
			*err = &CorruptError{Err: fmt.Errorf("bbolt: %v", r)}
		}
	}
}
