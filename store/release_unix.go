//go:build linux || darwin

package store

import (
	"syscall"

	bolt "go.etcd.io/bbolt"
)

// releaseMapped drops this process's page table entries for the cache file mapped by
// bbolt, so that pages read by a bulk write (and the kernel's fault-around) stop counting
// in the resident set. The mapping is read-only and shared with the file: nothing is lost,
// the pages stay in the page cache and a later read maps them again (a minor fault). It
// runs inside a read transaction, which holds bbolt's mmap lock: the mapping cannot be
// remapped or unmapped meanwhile. Concurrent readers are safe for the same reason (they
// fault the page back in). Errors are ignored: this only affects memory accounting.
func releaseMapped(db *bolt.DB) {
	_ = db.View(func(tx *bolt.Tx) error {
		addr, size := db.Info().Data, uintptr(tx.Size())
		if addr != 0 && size > 0 {
			syscall.Syscall(syscall.SYS_MADVISE, addr, size, syscall.MADV_DONTNEED)
		}
		return nil
	})
}
