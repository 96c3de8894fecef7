package pdfview

import (
	"bytes"
	"os"
	"strconv"
)

// unixASCeiling is unused on Linux, where the current size is known.
const unixASCeiling = 0

// addressSpace is this process's virtual size (the first field of /proc/self/statm, in
// pages); 0 when unknown.
func addressSpace() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f, _, _ := bytes.Cut(b, []byte(" "))
	pages, err := strconv.ParseUint(string(f), 10, 64)
	if err != nil {
		return 0
	}
	return pages * uint64(os.Getpagesize())
}
