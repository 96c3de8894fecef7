//go:build unix

package annuaire

import (
	"fmt"
	"os"
	"slices"
	"syscall"
)

// spillReader reads rows back from the spill file. On Unix the file is memory-mapped:
// a million small ReadAt calls would each be a system call.
type spillReader struct {
	data []byte
	f    *os.File
	buf  []byte
}

func openSpillReader(f *os.File) (*spillReader, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("annuaire: stat temporary file: %w", err)
	}
	if st.Size() == 0 {
		return &spillReader{f: f}, nil
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(st.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return &spillReader{f: f}, nil // fall back to ReadAt
	}
	return &spillReader{data: data, f: f}, nil
}

// row returns the n bytes at off, valid until the next call.
func (r *spillReader) row(off int64, n int) ([]byte, error) {
	if r.data != nil {
		if off < 0 || off+int64(n) > int64(len(r.data)) {
			return nil, fmt.Errorf("annuaire: temporary file damaged: %w", errCorruptRecord)
		}
		return r.data[off : off+int64(n)], nil
	}
	r.buf = slices.Grow(r.buf[:0], n)[:n]
	if _, err := r.f.ReadAt(r.buf, off); err != nil {
		return nil, fmt.Errorf("annuaire: read temporary file: %w", err)
	}
	return r.buf, nil
}

func (r *spillReader) close() {
	if r.data != nil {
		syscall.Munmap(r.data)
		r.data = nil
	}
}
