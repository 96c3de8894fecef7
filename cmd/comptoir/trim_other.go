//go:build !linux || !cgo

package main

// trimCHeap is a no-op where malloc does not keep freed pages the same way.
func trimCHeap() {}
