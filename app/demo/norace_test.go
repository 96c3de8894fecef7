//go:build !race

package demo_test

// slowdown scales the time limits of tests whose work the race detector slows down.
const slowdown = 1
