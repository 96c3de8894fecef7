package annuaire

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"comptoir/store"
)

// ErrNotImported is returned by searches before any directory file has been imported.
var ErrNotImported = errors.New("annuaire: directory not imported yet")

// ErrCorrupt is returned when the directory file is not one this package wrote.
var ErrCorrupt = errors.New("annuaire: directory file damaged or of another version")

// DefaultPath is where the directory file lives by default: annuaire.db in Comptoir's data
// directory (store.DataDir). The file holds public data only and is not encrypted.
func DefaultPath() (string, error) {
	dir, err := store.DataDir()
	if err != nil {
		return "", fmt.Errorf("annuaire: data directory: %w", err)
	}
	return filepath.Join(dir, "annuaire.db"), nil
}

// Info describes the imported directory.
type Info struct {
	Path     string
	Source   string // name of the extraction file it was built from
	Imported time.Time
	Entries  int64 // professionals and structures
	Rows     int64 // mailboxes
	BadLines int64
}

// Directory is the offline Annuaire Santé: a read-only bbolt file, memory-mapped, shared by
// the workstation's users. It is safe for concurrent use; Import swaps the file in place.
type Directory struct {
	path string

	mu       sync.RWMutex
	db       *bolt.DB // nil until a directory has been imported
	values   []string // interned column values
	initials []uint32
	info     Info
	scratch  sync.Pool // *scratch sized for this db
}

// Open opens the directory file at path. A missing file is not an error: the Directory is
// empty (searches return ErrNotImported) until Import is called. A damaged file or one of
// another format gives an error wrapping ErrCorrupt together with an empty, usable
// Directory, so that Import can replace the file.
func Open(path string) (*Directory, error) {
	d := &Directory{path: path}
	if err := d.load(); err != nil {
		if errors.Is(err, ErrCorrupt) {
			return d, err
		}
		return nil, err
	}
	return d, nil
}

// load (re)opens d.path; the caller holds d.mu or owns d.
func (d *Directory) load() error {
	d.db, d.values, d.initials, d.info = nil, nil, nil, Info{Path: d.path}
	d.scratch = sync.Pool{}
	if _, err := os.Stat(d.path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	db, err := bolt.Open(d.path, 0o644, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if errors.Is(err, berrors.ErrInvalid) || errors.Is(err, berrors.ErrVersionMismatch) || errors.Is(err, berrors.ErrChecksum) {
		return fmt.Errorf("annuaire: open %s: %w: %v", d.path, ErrCorrupt, err)
	}
	if err != nil {
		return fmt.Errorf("annuaire: open %s: %w", d.path, err)
	}
	err = db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil || string(meta.Get([]byte("format"))) != formatVersion {
			return ErrCorrupt
		}
		values, err := unmarshalDict(meta.Get([]byte("dict")))
		if err != nil {
			return ErrCorrupt
		}
		ini := meta.Get([]byte("initials"))
		if len(ini) != 257*4 {
			return ErrCorrupt
		}
		for i := 0; i < len(ini); i += 4 {
			d.initials = append(d.initials, binary.BigEndian.Uint32(ini[i:]))
		}
		d.values = values
		num := func(k string) int64 {
			n, _ := strconv.ParseInt(string(meta.Get([]byte(k))), 10, 64)
			return n
		}
		d.info.Entries, d.info.Rows, d.info.BadLines = num("entries"), num("rows"), num("bad")
		d.info.Source = string(meta.Get([]byte("source")))
		d.info.Imported, _ = time.Parse("2006-01-02T15:04:05Z", string(meta.Get([]byte("imported"))))
		return nil
	})
	if err != nil {
		db.Close()
		d.values, d.initials = nil, nil
		return fmt.Errorf("annuaire: open %s: %w", d.path, err)
	}
	d.db = db
	return nil
}

// Path is the directory file's path.
func (d *Directory) Path() string { return d.path }

// Info describes the imported directory; ok is false before any import.
func (d *Directory) Info() (info Info, ok bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.info, d.db != nil
}

// Close releases the file.
func (d *Directory) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.db == nil {
		return nil
	}
	err := d.db.Close()
	d.db = nil
	return err
}

// Import builds a new directory from src (see the package function Import) and swaps it in:
// searches keep using the old file until the new one is complete. On failure or cancellation
// the old directory stays in place and open.
func (d *Directory) Import(ctx context.Context, src string, opts ImportOptions) (*ImportReport, error) {
	return importFile(ctx, src, d.path, opts, func(tmp string) error {
		d.mu.Lock()
		defer d.mu.Unlock()
		if d.db != nil {
			// Closed first: Windows cannot replace a mapped file.
			d.db.Close()
			d.db = nil
		}
		renameErr := os.Rename(tmp, d.path)
		if err := d.load(); err != nil {
			return err
		}
		if renameErr != nil {
			return fmt.Errorf("annuaire: replace %s: %w", d.path, renameErr)
		}
		return nil
	})
}
