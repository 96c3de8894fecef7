package xdm

import "errors"

// Sentinel errors; Read wraps them with context.
var (
	ErrNotZip         = errors.New("xdm: not a zip archive")
	ErrTooManyFiles   = errors.New("xdm: too many files in archive")
	ErrTooLarge       = errors.New("xdm: archive content too large")
	ErrZipBomb        = errors.New("xdm: suspicious compression ratio")
	ErrUnsafePath     = errors.New("xdm: unsafe path in archive")
	ErrSymlink        = errors.New("xdm: symbolic link in archive")
	ErrDuplicate      = errors.New("xdm: duplicate file name in archive")
	ErrNoMetadata     = errors.New("xdm: no IHE_XDM/*/METADATA.XML in archive")
	ErrBadMetadata    = errors.New("xdm: invalid METADATA.XML")
	ErrMissingFile    = errors.New("xdm: document listed in metadata is missing")
	ErrCorrupt        = errors.New("xdm: damaged archive entry")
	ErrNoPDF          = errors.New("xdm: no embedded PDF in CDA document")
	ErrInvalidPackage = errors.New("xdm: invalid package")
	// ErrSeveralPatients: one package (one message) must be about one patient (ECO.2.1.1).
	ErrSeveralPatients = errors.New("xdm: documents for several patients")
)
