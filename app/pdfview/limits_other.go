//go:build !unix && !windows

package pdfview

import "time"

// limitSelf has no operating-system limit to set here; the WebAssembly memory cap and the
// parent's timeout still apply.
func limitSelf(int64, time.Duration) error { return nil }
