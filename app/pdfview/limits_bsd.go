//go:build unix && !linux

package pdfview

// unixASCeiling is the address-space limit where the current size is not known. macOS
// accepts RLIMIT_AS but does not enforce it; there the WebAssembly memory cap
// (MaxWasmMemory), the CPU limit and the parent's timeout bound the renderer.
const unixASCeiling = 16 << 30

func addressSpace() uint64 { return 0 }
