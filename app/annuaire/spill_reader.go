package annuaire

import (
	"fmt"
	"os"
	"slices"
)

// spillReader reads rows back from the spill file with ReadAt. (A memory map would save the
// system calls, but its pages count as resident memory: 200 MB for a million rows.)
type spillReader struct {
	f   *os.File
	buf []byte
}

func openSpillReader(f *os.File) (*spillReader, error) { return &spillReader{f: f}, nil }

// row returns the n bytes at off, valid until the next call.
func (r *spillReader) row(off int64, n int) ([]byte, error) {
	r.buf = slices.Grow(r.buf[:0], n)[:n]
	if _, err := r.f.ReadAt(r.buf, off); err != nil {
		return nil, fmt.Errorf("annuaire: read temporary file: %w", err)
	}
	return r.buf, nil
}

func (r *spillReader) close() {}
