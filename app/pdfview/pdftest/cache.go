package pdftest

import (
	"os"
	"path/filepath"
)

// CacheDir is the PDFium compilation cache every test shares (pdfview.New's cacheDir): one
// compilation per machine, which a package warms in TestMain (apptest.WarmPDFium).
func CacheDir() string { return filepath.Join(os.TempDir(), "comptoir-pdfium-cache") }
