package annuaire

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Stage names the phase of an import, for the progress bar.
type Stage int

const (
	StageReading     Stage = iota // reading the file: Done/Total are bytes of text
	StageIndexing                 // grouping and indexing: Done/Total are directory entries
	StageWriting                  // writing the search index: Done/Total are index keys
	StageDownloading              // ImportURL's download: Done/Total are bytes (Total may grow)
)

// Progress is reported while importing.
type Progress struct {
	Stage       Stage
	Done, Total int64
}

// ImportOptions tune Import; the zero value is fine.
type ImportOptions struct {
	// Progress, when set, is called from the importing goroutine (keep it short; the app
	// hands it to fyne.Do) about every megabyte or batch.
	Progress func(Progress)
	// KeepBadLines is how many bad lines the report lists (default 100); all are counted.
	KeepBadLines int
}

// BadLine is a line of the file that could not be used.
type BadLine struct {
	Line   int64  // 1-based line number in the text file
	Reason string // in French, shown to the user
}

// ImportReport sums up an import.
type ImportReport struct {
	Source   string    // name of the text file read (inside the ZIP if any)
	Rows     int64     // mailboxes imported
	Entries  int64     // professionals and structures
	BadLines int64     // lines rejected (all counted)
	Bad      []BadLine // the first KeepBadLines of them
	// HeaderMismatch lists the 1-based columns whose header differs from the expected one
	// (the file is still read by position).
	HeaderMismatch []int
	NoHeader       bool // the file had no header row
	Duration       time.Duration
	Size           int64 // bytes of the directory file written
	Imported       time.Time
}

// Import reads the extraction file src (ZIP or TXT) and replaces the directory file dst.
// It builds the new directory next to dst and renames it over dst only once complete and
// synced: a failed or cancelled import leaves the previous directory untouched. Bad lines are
// counted and reported, never fatal. To swap the file under an open Directory, use
// (*Directory).Import.
func Import(ctx context.Context, src, dst string, opts ImportOptions) (*ImportReport, error) {
	return importFile(ctx, src, dst, opts, func(tmp string) error {
		if err := os.Rename(tmp, dst); err != nil {
			return fmt.Errorf("annuaire: replace %s: %w", dst, err)
		}
		return nil
	})
}

// importFile builds the directory in a temporary file next to dst and hands it to swap,
// which must move it over dst.
func importFile(ctx context.Context, src, dst string, opts ImportOptions, swap func(tmp string) error) (*ImportReport, error) {
	start := time.Now()
	if opts.KeepBadLines <= 0 {
		opts.KeepBadLines = 100
	}
	s, err := openSource(src)
	if err != nil {
		return nil, err
	}
	defer s.close()
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("annuaire: create %s: %w", dir, err)
	}
	b := &builder{opts: opts, dir: dir, report: &ImportReport{Source: s.name}, dict: newDict()}
	spill, err := os.CreateTemp(dir, ".annuaire-spill-*")
	if err != nil {
		return nil, fmt.Errorf("annuaire: temporary file in %s: %w", dir, err)
	}
	defer func() {
		spill.Close()
		os.Remove(spill.Name())
	}()
	if err := b.read(ctx, s, spill); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(dir, ".annuaire-*.db.tmp")
	if err != nil {
		return nil, fmt.Errorf("annuaire: temporary file in %s: %w", dir, err)
	}
	tmpPath := tmp.Name()
	tmp.Close()
	done := false
	defer func() {
		if !done {
			os.Remove(tmpPath)
		}
	}()
	db, err := bolt.Open(tmpPath, 0o644, &bolt.Options{NoSync: true, NoFreelistSync: true, Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("annuaire: create %s: %w", tmpPath, err)
	}
	b.report.Imported = time.Now().UTC()
	if err := b.write(ctx, db, spill); err != nil {
		db.Close()
		return nil, err
	}
	// Commits skipped fsync (NoSync); one sync of the finished file makes it durable before
	// it replaces the old one.
	if err := db.Sync(); err != nil {
		db.Close()
		return nil, fmt.Errorf("annuaire: sync %s: %w", tmpPath, err)
	}
	if err := db.Close(); err != nil {
		return nil, fmt.Errorf("annuaire: close %s: %w", tmpPath, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("annuaire: import cancelled: %w", err)
	}
	if err := swap(tmpPath); err != nil {
		return nil, err
	}
	done = true
	syncDir(dir)
	if st, err := os.Stat(dst); err == nil {
		b.report.Size = st.Size()
	}
	b.report.Duration = time.Since(start)
	return b.report, nil
}

// syncDir makes the rename durable where the OS allows it (not on Windows: best effort).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// rowMeta locates one usable row in the spill file, with its sort key in the builder's
// arena and a hash of its group key: a million of them must stay small.
type rowMeta struct {
	offn  uint64 // spill offset << 24 | record length
	group uint64 // FNV-1a of the group key (64 bits: no collision expected in a few million)
	key   uint32 // arena offset of the sort key
	klen  uint16
}

const maxRecord = 1<<24 - 1

func (m *rowMeta) span() (off int64, n int) { return int64(m.offn >> 24), int(m.offn & maxRecord) }

// builder holds the import state between the reading and writing phases.
type builder struct {
	opts   ImportOptions
	dir    string // for temporary files
	report *ImportReport
	dict   *dict
	rows   []rowMeta
	arena  []byte
}

func (b *builder) progress(stage Stage, done, total int64) {
	if b.opts.Progress != nil {
		b.opts.Progress(Progress{Stage: stage, Done: done, Total: total})
	}
}

func (b *builder) bad(line int64, reason string) {
	b.report.BadLines++
	if len(b.report.Bad) < b.opts.KeepBadLines {
		b.report.Bad = append(b.report.Bad, BadLine{Line: line, Reason: reason})
	}
}

// read streams the text into the spill file (compact binary rows) and keeps, per row, only
// what grouping and sorting need.
func (b *builder) read(ctx context.Context, s *source, spill *os.File) error {
	cr := &countingReader{r: s.r}
	lr := newLineReader(cr)
	w := bufio.NewWriterSize(spill, 1<<20)
	var (
		off      int64
		fields   = make([]string, 0, numColumns+2)
		rec      []byte
		lastTick int64
		first    = true
	)
	b.progress(StageReading, 0, s.size)
	for {
		line, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("annuaire: read %s line %d: %w", s.name, lr.num+1, err)
		}
		if lr.num%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("annuaire: import cancelled: %w", err)
			}
		}
		if cr.n-lastTick >= 1<<20 {
			lastTick = cr.n
			b.progress(StageReading, cr.n, s.size)
		}
		if len(strings.TrimSpace(string(line))) == 0 && !lr.long {
			continue
		}
		if lr.long {
			b.bad(lr.num, "ligne trop longue")
			continue
		}
		if first {
			first = false
			if f := strings.Split(string(line), "|"); isHeader(f) {
				b.report.HeaderMismatch = headerMismatches(f)
				continue
			}
			b.report.NoHeader = true
		}
		f, reason := splitLine(line, fields)
		if reason != "" {
			b.bad(lr.num, reason)
			continue
		}
		rec = rec[:0]
		for _, v := range f {
			rec = appendString(rec, v)
		}
		if _, err := w.Write(rec); err != nil {
			return fmt.Errorf("annuaire: write temporary file: %w", err)
		}
		sortKey, groupKey := rowKeys(f)
		if len(b.arena) > 1<<32-1<<17 || off >= 1<<40 || len(rec) > maxRecord {
			return errors.New("annuaire: file too large")
		}
		h := fnv.New64a()
		h.Write([]byte(groupKey))
		m := rowMeta{offn: uint64(off)<<24 | uint64(len(rec)), group: h.Sum64(),
			key: uint32(len(b.arena)), klen: uint16(len(sortKey))}
		b.arena = append(b.arena, sortKey...)
		b.rows = append(b.rows, m)
		off += int64(len(rec))
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("annuaire: write temporary file: %w", err)
	}
	b.progress(StageReading, cr.n, max(s.size, cr.n))
	return nil
}

// rowKeys returns the key the directory is sorted by (the name as displayed) and the key
// rows are grouped by (the national identifier of a professional, else the mailbox).
func rowKeys(f []string) (sortKey, groupKey string) {
	name := f[colSurname] + " " + f[colGivenName]
	if strings.TrimSpace(name) == "" {
		name = f[colRaisonSociale] + " " + f[colEnseigne]
	}
	sortKey = Normalize(name)
	if sortKey == "" {
		sortKey = "~" // nameless entries last
	}
	if len(sortKey) > 200 {
		sortKey = sortKey[:200]
	}
	if id := f[colNationalID]; id != "" && len(id) < 200 {
		return sortKey, "P" + id
	}
	addr := strings.ToLower(f[colAddress])
	if len(addr) > 400 {
		addr = addr[:400]
	}
	return sortKey, "A" + addr
}

func (b *builder) sortKey(m *rowMeta) []byte {
	return b.arena[m.key : m.key+uint32(m.klen)]
}
