package cps

import (
	"os"
	"path/filepath"
)

// moduleCandidates lists the ANS Cryptolib CPS library on Windows (64-bit, then 32-bit
// build); p11-kit does not exist there.
func moduleCandidates() []string {
	root := os.Getenv("SystemRoot")
	if root == "" {
		root = `C:\Windows`
	}
	return []string{
		filepath.Join(root, "System32", "cps3_pkcs11_w64.dll"),
		filepath.Join(root, "SysWOW64", "cps3_pkcs11_w32.dll"),
		filepath.Join(root, "System32", "cps3_pkcs11_w32.dll"),
	}
}
