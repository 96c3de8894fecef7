//go:build !windows

package store

// initialMmapSize reserves 1 GB of address space for the cache file (the file itself grows
// with its content). bbolt otherwise remaps at each doubling of the file: every remap waits
// for the open read transactions and copies every node the writing transaction holds; in
// an initial sync on tmpfs, perf put them at 4-5 % of the CPU (issue 18).
const initialMmapSize = 1 << 30
