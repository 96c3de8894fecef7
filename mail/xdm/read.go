package xdm

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Limits bound what Read accepts from an untrusted archive. Zero fields take the defaults.
type Limits struct {
	MaxFiles    int   // entries in the archive (default 256)
	MaxFileSize int64 // uncompressed bytes of one file (default 32 MiB)
	MaxTotal    int64 // uncompressed bytes of all files read (default 64 MiB)
	MaxRatio    int64 // uncompressed/compressed ratio above 1 MiB (default 100)
}

// DefaultLimits suit MSSanté messages, themselves limited to a few tens of megabytes.
var DefaultLimits = Limits{MaxFiles: 256, MaxFileSize: 32 << 20, MaxTotal: 64 << 20, MaxRatio: 100}

func (l Limits) withDefaults() Limits {
	if l.MaxFiles <= 0 {
		l.MaxFiles = DefaultLimits.MaxFiles
	}
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = DefaultLimits.MaxFileSize
	}
	if l.MaxTotal <= 0 {
		l.MaxTotal = DefaultLimits.MaxTotal
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = DefaultLimits.MaxRatio
	}
	return l
}

// ratioFloor: below this size a high ratio is harmless (small XML compresses very well).
const ratioFloor = 1 << 20

// Read parses an IHE_XDM.ZIP of the given size from r under the limits lim (nil: defaults).
func Read(r io.ReaderAt, size int64, lim *Limits) (*Package, error) {
	return read(r, size, lim, true)
}

// ReadMetadata is Read without the documents' content: the package's patient, title and
// document entries (Data, PDF and CDA nil, Damage unknown, Size as the archive declares it,
// Kind as the metadata says), after the same checks of the archive's structure and sizes.
// It refuses exactly the archives Read refuses: what only inflating a document shows is
// that document's Damage. Indexing a message needs no more, and inflating the documents
// cost a quarter of the indexing parse of a message (issue 18).
func ReadMetadata(r io.ReaderAt, size int64, lim *Limits) (*Package, error) {
	return read(r, size, lim, false)
}

func read(r io.ReaderAt, size int64, lim *Limits, content bool) (*Package, error) {
	l := DefaultLimits
	if lim != nil {
		l = lim.withDefaults()
	}
	zr, err := zip.NewReader(r, size)
	if errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("xdm: read: %w", ErrUnsafePath)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotZip, err)
	}
	if len(zr.File) > l.MaxFiles {
		return nil, fmt.Errorf("xdm: read: %d entries: %w", len(zr.File), ErrTooManyFiles)
	}
	files := make(map[string]*zip.File, len(zr.File))
	var declared uint64
	for _, f := range zr.File {
		name, err := cleanName(f.Name)
		if err != nil {
			return nil, err
		}
		if f.Mode()&fs.ModeSymlink != 0 {
			return nil, fmt.Errorf("xdm: read %q: %w", f.Name, ErrSymlink)
		}
		if f.FileInfo().IsDir() {
			continue
		}
		key := strings.ToUpper(name) // XDM names are upper-case, but media readers vary
		if _, dup := files[key]; dup {
			return nil, fmt.Errorf("xdm: read %q: %w", f.Name, ErrDuplicate)
		}
		if err := checkSizes(f, l); err != nil {
			return nil, err
		}
		declared += f.UncompressedSize64
		files[key] = f
	}
	if declared > uint64(l.MaxTotal) {
		return nil, fmt.Errorf("xdm: read: %d bytes declared: %w", declared, ErrTooLarge)
	}
	metas := findMetadata(files)
	if len(metas) == 0 {
		return nil, ErrNoMetadata
	}
	budget := l.MaxTotal
	var out *Package
	for _, m := range metas {
		data, err := readFile(files[m.key], l, &budget)
		if err != nil {
			return nil, err
		}
		p, err := ParseMetadata(data)
		if err != nil {
			return nil, fmt.Errorf("xdm: read %s: %w", m.key, err)
		}
		for _, list := range [][]Document{p.Documents, p.Signatures} {
			for i := range list {
				if err := loadDocument(&list[i], m, files, l, &budget, content); err != nil {
					return nil, err
				}
			}
		}
		if out == nil {
			out = p
			continue
		}
		if p.Patient.ID != out.Patient.ID {
			return nil, fmt.Errorf("xdm: read %s: %w", m.key, ErrSeveralPatients)
		}
		out.Documents = append(out.Documents, p.Documents...)
		out.Signatures = append(out.Signatures, p.Signatures...)
	}
	return out, nil
}

// metadataFile is one METADATA.XML and the folders its document URIs may be relative to.
type metadataFile struct {
	key  string // upper-case path of METADATA.XML
	root string // the archive's root: "" or a top-level folder such as "KA202401"
}

// findMetadata returns the IHE_XDM/<subset>/METADATA.XML files, at the archive's root or
// under one top-level folder (archives made by zipping a folder), sorted.
func findMetadata(files map[string]*zip.File) []metadataFile {
	var out []metadataFile
	for key := range files {
		dir, base := path.Split(key)
		if base != "METADATA.XML" {
			continue
		}
		parts := strings.Split(strings.TrimSuffix(dir, "/"), "/")
		n := len(parts)
		if (n == 2 || n == 3) && parts[n-2] == "IHE_XDM" && parts[n-1] != "" {
			out = append(out, metadataFile{key: key, root: strings.Join(parts[:n-2], "/")})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

// loadDocument finds d's file, reads it, checks its size and hash against the metadata, and
// works out its kind; a file that cannot be inflated is d's Damage. A URI is tried relative
// to the METADATA folder, then to IHE_XDM/, then to the archive's root (the ANS examples
// write "SS000001/KOS_1_1.DCM").
func loadDocument(d *Document, m metadataFile, files map[string]*zip.File, l Limits, budget *int64, content bool) error {
	uri, err := cleanName(d.URI)
	if err != nil || uri == "" || uri == "." {
		return fmt.Errorf("xdm: document URI %q: %w", d.URI, ErrUnsafePath)
	}
	uri = strings.ToUpper(uri)
	var f *zip.File
	for _, cand := range []string{path.Join(path.Dir(m.key), uri), path.Join(m.root, "IHE_XDM", uri), path.Join(m.root, uri), uri} {
		if f = files[cand]; f != nil {
			break
		}
	}
	if f == nil {
		return fmt.Errorf("xdm: document %q: %w", d.URI, ErrMissingFile)
	}
	if !content {
		d.Size = int64(f.UncompressedSize64)
		return nil
	}
	if d.Data, err = readFile(f, l, budget); err != nil {
		// A damaged entry (bad checksum, corrupt deflate data, a size it does not keep, an
		// unknown compression method) is this document's problem, not the package's: the
		// patient and the other documents stay readable, and the metadata-only read, which
		// does not inflate, finds the same patient.
		if !errors.Is(err, ErrCorrupt) {
			err = fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		d.Data, d.Damage = nil, err
		d.Size, d.Hash = 0, ""
		return nil
	}
	d.Verify()
	if d.Kind != KindSignature {
		d.Kind = KindUnknown
		d.Kind = d.Detect()
	}
	if d.Kind == KindCDA {
		if h, err := ParseCDA(d.Data); err == nil {
			d.CDA = h
		}
		if pdf, err := ExtractPDF(d.Data, l.MaxFileSize); err == nil {
			d.PDF = pdf
		}
	}
	return nil
}

// cleanName refuses absolute paths, drive letters, ".." and NUL; it returns a slash path.
func cleanName(name string) (string, error) {
	n := strings.ReplaceAll(name, `\`, "/")
	bad := n == "" || strings.HasPrefix(n, "/") || strings.ContainsRune(n, 0) ||
		(len(n) >= 2 && n[1] == ':')
	for _, part := range strings.Split(n, "/") {
		if part == ".." {
			bad = true
		}
	}
	if bad {
		return "", fmt.Errorf("xdm: %q: %w", name, ErrUnsafePath)
	}
	return path.Clean(n), nil
}

func checkSizes(f *zip.File, l Limits) error {
	if f.UncompressedSize64 > uint64(l.MaxFileSize) {
		return fmt.Errorf("xdm: %q is %d bytes: %w", f.Name, f.UncompressedSize64, ErrTooLarge)
	}
	if f.UncompressedSize64 > ratioFloor &&
		f.UncompressedSize64/max(f.CompressedSize64, 1) > uint64(l.MaxRatio) {
		return fmt.Errorf("xdm: %q: %w", f.Name, ErrZipBomb)
	}
	return nil
}

// readFile reads one entry without trusting its declared size: it stops at the per-file
// limit, the remaining budget, and the declared size.
func readFile(f *zip.File, l Limits, budget *int64) ([]byte, error) {
	var buf bytes.Buffer
	if err := copyFile(&buf, f, l, budget); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// copyFile inflates f into w within the limits: a lying size, a bad checksum or corrupt data
// is an error.
func copyFile(w io.Writer, f *zip.File, l Limits, budget *int64) error {
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("xdm: open %q: %w", f.Name, err)
	}
	defer rc.Close()
	limit := min(l.MaxFileSize, *budget, int64(f.UncompressedSize64))
	n, err := io.Copy(w, io.LimitReader(rc, limit+1))
	if err != nil {
		return fmt.Errorf("xdm: read %q: %w: %w", f.Name, ErrCorrupt, err)
	}
	if n > limit {
		return fmt.Errorf("xdm: read %q: %w", f.Name, ErrTooLarge)
	}
	if f.CompressedSize64 > 0 && n > ratioFloor && uint64(n)/f.CompressedSize64 > uint64(l.MaxRatio) {
		return fmt.Errorf("xdm: %q: %w", f.Name, ErrZipBomb)
	}
	*budget -= n
	return nil
}
