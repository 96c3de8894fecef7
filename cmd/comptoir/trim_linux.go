//go:build linux && cgo

package main

// #include <malloc.h>
import "C"

// trimCHeap gives the C heap's free memory back to the system. Each window has its own
// OpenGL context; when one closes, the driver (Mesa) frees its buffers but glibc's malloc
// keeps the pages: about 20 MB after a reply and the settings window, measured by
// BenchmarkClientRSSUnderXvfb.
func trimCHeap() { C.malloc_trim(0) }
