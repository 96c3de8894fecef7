package annuaire

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// ErrBadArchive is returned when a ZIP file cannot be read (truncated, damaged, or without
// a text file inside).
var ErrBadArchive = errors.New("annuaire: unreadable ZIP archive")

// source is the opened extraction: the text stream and its size in bytes (uncompressed).
type source struct {
	r     io.Reader
	size  int64
	close func() error
	name  string
}

// openSource opens a TXT or a ZIP holding the extraction's TXT (the largest .txt/.csv entry).
func openSource(file string) (*source, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("annuaire: open %s: %w", file, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("annuaire: stat %s: %w", file, err)
	}
	magic := make([]byte, 4)
	n, _ := io.ReadFull(f, magic)
	if !bytes.Equal(magic[:n], []byte("PK\x03\x04")) && !bytes.Equal(magic[:n], []byte("PK\x05\x06")) {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			f.Close()
			return nil, fmt.Errorf("annuaire: seek %s: %w", file, err)
		}
		return &source{r: f, size: st.Size(), close: f.Close, name: path.Base(file)}, nil
	}
	zr, err := zip.NewReader(f, st.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %s: %v", ErrBadArchive, file, err)
	}
	var best *zip.File
	for _, zf := range zr.File {
		name := strings.ToLower(zf.Name)
		if zf.FileInfo().IsDir() || !(strings.HasSuffix(name, ".txt") || strings.HasSuffix(name, ".csv")) {
			continue
		}
		if best == nil || zf.UncompressedSize64 > best.UncompressedSize64 {
			best = zf
		}
	}
	if best == nil {
		f.Close()
		return nil, fmt.Errorf("%w: %s: no .txt file inside", ErrBadArchive, file)
	}
	rc, err := best.Open()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %s: %v", ErrBadArchive, file, err)
	}
	return &source{
		r:    zipErrReader{rc},
		size: int64(best.UncompressedSize64),
		name: path.Base(best.Name),
		close: func() error {
			rc.Close()
			return f.Close()
		},
	}, nil
}

// zipErrReader marks read errors inside the archive (truncated data, bad checksum) as
// ErrBadArchive so callers can tell them from I/O errors on the disk.
type zipErrReader struct{ r io.Reader }

func (z zipErrReader) Read(p []byte) (int, error) {
	n, err := z.r.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%w: %v", ErrBadArchive, err)
	}
	return n, err
}

// countingReader counts the bytes read, for the progress bar.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
