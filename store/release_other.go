//go:build !linux && !darwin

package store

import bolt "go.etcd.io/bbolt"

// releaseMapped is a no-op here: the mapped file is not worth the platform code.
func releaseMapped(*bolt.DB) {}
