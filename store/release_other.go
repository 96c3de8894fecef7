//go:build !linux && !darwin

package store

import bolt "go.etcd.io/bbolt"

// releaseMapped is a no-op here: the mapped file is not worth the platform code.
func releaseMapped(*bolt.DB) {}

// initialMmapSize is left to bbolt here: on Windows the mapping's size is the file's (bbolt
// grows the file to it).
const initialMmapSize = 0
