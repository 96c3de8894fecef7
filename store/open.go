package store

import (
	"bytes"
	"cmp"
	"crypto"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Options tune Open. The zero value is right for the app.
type Options struct {
	// LockTimeout is how long Open waits for another process to release the file
	// before returning ErrLocked. Zero means 2 s.
	LockTimeout time.Duration
	// Logger receives events (never contents, never keys). Nil means slog.Default().
	Logger *slog.Logger

	// insecureNoEncryption stores values in clear: only for the benchmark that measures
	// the cost of encryption. A plain file is refused (ErrCorrupt) without it.
	insecureNoEncryption bool
	// now stamps the name of a set-aside file; nil means time.Now.
	now func() time.Time
	// migrateTo stops migrations at this schema (tests of each step); 0 means current.
	migrateTo uint32
}

// Store is an open, unlocked cache file. Its methods are safe for concurrent use; each
// call runs its own short bbolt transaction and returns copies.
type Store struct {
	path    string
	db      *bolt.DB
	log     *slog.Logger
	encrypt bool

	mu      sync.RWMutex // guards keys and dataKey
	keys    *sealKeys    // nil when locked or closed
	dataKey []byte
	closed  bool

	words      *wordCache    // tokens of words already seen; guarded by the bbolt write lock and mu
	mismatches atomic.Uint64 // index entries skipped by reads (verify.go)
	anchorMu   sync.Mutex
	anchors    map[string]folderAnchors // by fid
}

// Open opens (or creates) the cache file at path and unlocks it with exactly one
// private-key operation of signer (the card's authentication key, RSA PKCS#1 v1.5).
//
// Errors: ErrLocked (another process holds the file), ErrWrongCard, ErrCorrupt (a
// *CorruptError: the file was renamed aside, Open again to start afresh), ErrNewerSchema,
// ErrUnsupportedKey, ErrNoCardKey (created with OpenWithKeyring: no card operation was
// made).
func Open(path string, signer crypto.Signer, opts Options) (*Store, error) {
	if signer == nil {
		return nil, fmt.Errorf("store: open %s: nil signer", path)
	}
	return open(path, cardUnlocker{signer}, opts)
}

func open(path string, u unlocker, opts Options) (*Store, error) {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = 2 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.now == nil {
		opts.now = time.Now
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db, err := openBolt(path, opts.LockTimeout)
	if err != nil {
		var ce *CorruptError
		switch {
		case errors.Is(err, berrors.ErrTimeout):
			return nil, fmt.Errorf("%w: %s is locked by another process (is Comptoir already running for this card?)", ErrLocked, path)
		case errors.As(err, &ce):
			return nil, setAside(path, ce.Err, opts)
		case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrVersionMismatch), errors.Is(err, berrors.ErrChecksum):
			return nil, setAside(path, err, opts)
		case isDiskFull(err):
			return nil, fmt.Errorf("store: open %s: %w: %w", path, ErrDiskFull, err)
		}
		// Anything else (permissions, I/O, memory) says nothing about the file's content:
		// leave it where it is.
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	s := &Store{path: path, db: db, log: opts.Logger, encrypt: !opts.insecureNoEncryption}
	if err := s.unlockOrInit(u, opts); err != nil {
		db.Close()
		var ce *CorruptError
		if errors.As(err, &ce) {
			return nil, setAside(path, ce.Err, opts)
		}
		return nil, err
	}
	return s, nil
}

func openBolt(path string, timeout time.Duration) (db *bolt.DB, err error) {
	defer guard(&err)()
	db, err = bolt.Open(path, 0o600, &bolt.Options{
		Timeout:         timeout,
		FreelistType:    bolt.FreelistMapType,
		InitialMmapSize: initialMmapSize,
	})
	if err == nil {
		// Grow the file 64 MB at a time: fewer grow+fsync rounds in bulk inserts, at most
		// 64 MB unused (and sparse, but on Windows) at its end. bbolt applies it once its
		// mapping exceeds 64 MB: from the start with initialMmapSize.
		db.AllocSize = 64 << 20
	}
	return db, err
}

// setAside renames a damaged or foreign file so that nothing overwrites it.
func setAside(path string, cause error, opts Options) error {
	aside := path + ".corrupt-" + opts.now().UTC().Format("20060102T150405Z")
	for i := 1; ; i++ {
		if _, err := os.Lstat(aside); errors.Is(err, os.ErrNotExist) {
			break
		}
		aside = fmt.Sprintf("%s.corrupt-%s-%d", path, opts.now().UTC().Format("20060102T150405Z"), i)
	}
	if err := os.Rename(path, aside); err != nil {
		return fmt.Errorf("store: open %s: corrupt (%v) and cannot be set aside: %w", path, cause, err)
	}
	opts.Logger.Warn("store: cache file set aside", "path", path, "aside", aside, "cause", cause)
	return &CorruptError{Path: path, Aside: aside, Err: cause}
}

// fileState is what readHeader found in the meta bucket.
type fileState struct {
	empty     bool // a fresh bbolt file with no bucket at all
	schema    uint32
	salt      []byte
	wrapped   []byte // for the card; absent in a file created with the OS keyring
	osWrapped []byte // for the OS keyring; absent until enrolled
	plain     bool
}

func (s *Store) readHeader() (st fileState, err error) {
	defer guard(&err)()
	err = s.db.View(func(tx *bolt.Tx) error {
		m := tx.Bucket([]byte(bucketMeta))
		if m == nil {
			found := false
			tx.ForEach(func([]byte, *bolt.Bucket) error { found = true; return nil })
			if found {
				return &CorruptError{Err: errors.New("foreign bbolt file: no meta bucket")}
			}
			st.empty = true
			return nil
		}
		if !bytes.Equal(m.Get([]byte(metaFormat)), []byte(formatMagic)) {
			return &CorruptError{Err: errors.New("foreign bbolt file: wrong format marker")}
		}
		v := m.Get([]byte(metaSchema))
		st.salt = bytes.Clone(m.Get([]byte(metaSalt)))
		st.wrapped = bytes.Clone(m.Get([]byte(metaWrapped)))
		st.osWrapped = bytes.Clone(m.Get([]byte(metaOSWrapped)))
		st.plain = m.Get([]byte(metaPlain)) != nil
		if len(v) != 4 || len(st.salt) != saltSize || len(st.wrapped)+len(st.osWrapped) == 0 {
			return &CorruptError{Err: errors.New("damaged header")}
		}
		st.schema = binary.BigEndian.Uint32(v)
		return nil
	})
	return st, err
}

func (s *Store) unlockOrInit(u unlocker, opts Options) error {
	st, err := s.readHeader()
	if err != nil {
		return err
	}
	if st.empty {
		return s.initFile(u)
	}
	if st.plain != !s.encrypt {
		return &CorruptError{Err: errors.New("encryption mode of the file does not match")}
	}
	if st.schema > schemaVersion {
		return fmt.Errorf("%w: %s has schema %d, this Comptoir knows up to %d", ErrNewerSchema, s.path, st.schema, schemaVersion)
	}
	if err := s.unwrap(u, st); err != nil {
		return err
	}
	target := cmp.Or(opts.migrateTo, schemaVersion)
	if st.schema < target {
		if err := s.migrate(st.schema, target); err != nil {
			// Never set a file aside because an upgrade failed: it may be our bug.
			s.Lock()
			return fmt.Errorf("%w (file left in place): %v", ErrCorrupt, err)
		}
	}
	if err := s.db.View(checkBuckets); target == schemaVersion && err != nil {
		s.Lock()
		return &CorruptError{Err: err}
	}
	s.log.Info("store: opened", "path", s.path)
	return nil
}

// initFile writes the header of a new cache: salt, wrapped random data key, schema, buckets.
func (s *Store) initFile(u unlocker) error {
	salt := make([]byte, saltSize)
	rand.Read(salt)
	dataKey := make([]byte, dataKeySize)
	rand.Read(dataKey)
	wraps, err := u.create(s, dataKey, salt)
	if err != nil {
		wipe(dataKey)
		return fmt.Errorf("store: create %s: %w", s.path, err)
	}
	if err := s.setKeys(dataKey); err != nil {
		return err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range allBuckets() {
			if _, err := tx.CreateBucketIfNotExists([]byte(b)); err != nil {
				return err
			}
		}
		m := tx.Bucket([]byte(bucketMeta))
		puts := map[string][]byte{metaFormat: []byte(formatMagic), metaSchema: u32(schemaVersion), metaSalt: salt}
		maps.Copy(puts, wraps)
		if !s.encrypt {
			puts[metaPlain] = []byte{1}
		}
		for k, v := range puts {
			if err := m.Put([]byte(k), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.Lock()
		return fmt.Errorf("store: create %s: %w", s.path, diskErr(err))
	}
	s.log.Info("store: created", "path", s.path, "schema", schemaVersion)
	return nil
}

// Path is the cache file's path.
func (s *Store) Path() string { return s.path }

// Close wipes the keys and closes the file.
func (s *Store) Close() error {
	s.Lock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: close %s: %w", s.path, err)
	}
	return nil
}
