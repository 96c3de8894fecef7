// Package xdmtest damages IHE_XDM.ZIP archives for tests: entries that read as corrupt
// only once inflated, as a transfer gone wrong leaves them. Like net/http/httptest it is
// test support, never used by the application.
package xdmtest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
)

// FlipCRC rewrites archive with the entries damaged(name) selects under a wrong CRC-32,
// their compressed data untouched: the archive opens, its central directory is sound,
// and reading such an entry to its end fails with zip.ErrChecksum.
func FlipCRC(archive []byte, damaged func(name string) bool) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		return nil, fmt.Errorf("xdmtest: %w", err)
	}
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range zr.File {
		h := f.FileHeader
		if damaged(h.Name) {
			h.CRC32 ^= 1
		}
		w, err := zw.CreateRaw(&h)
		if err != nil {
			return nil, fmt.Errorf("xdmtest: %s: %w", h.Name, err)
		}
		r, err := f.OpenRaw()
		if err != nil {
			return nil, fmt.Errorf("xdmtest: %s: %w", h.Name, err)
		}
		if _, err := io.Copy(w, r); err != nil {
			return nil, fmt.Errorf("xdmtest: %s: %w", h.Name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("xdmtest: %w", err)
	}
	return b.Bytes(), nil
}
