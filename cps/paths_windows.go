package cps

import (
	"os"
	"path/filepath"
	"runtime"
)

// moduleCandidates lists the ANS Cryptolib CPS library on Windows. A process can only load a
// DLL of its own architecture, so a 64-bit Comptoir looks for the w64 build only (a 32-bit
// install would be "found" and then fail to load with a confusing error).
func moduleCandidates() []string {
	root := os.Getenv("SystemRoot")
	if root == "" {
		root = `C:\Windows`
	}
	if runtime.GOARCH == "386" {
		// On 64-bit Windows a 32-bit process sees SysWOW64 as System32.
		return []string{filepath.Join(root, "System32", "cps3_pkcs11_w32.dll")}
	}
	return []string{filepath.Join(root, "System32", "cps3_pkcs11_w64.dll")}
}
