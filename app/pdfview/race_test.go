//go:build race

package pdfview

// slowdown scales the time limits of tests whose work the race detector slows down.
const slowdown = 8
