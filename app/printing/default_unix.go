//go:build !windows

package printing

// Default is the workstation's printing system: CUPS.
func Default() System { return CUPS{} }
