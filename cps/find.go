package cps

import (
	"fmt"
	"os"
	"strings"
)

// FindModule returns the PKCS#11 library to load: configured when not empty, else the
// first ANS Cryptolib CPS library found for this OS, else p11-kit-proxy. The error wraps
// ErrModuleNotFound and names every path tried.
func FindModule(configured string) (string, error) {
	return findModule(configured, moduleCandidates(), fileExists)
}

func findModule(configured string, candidates []string, exists func(string) bool) (string, error) {
	if configured != "" {
		if exists(configured) {
			return configured, nil
		}
		return "", fmt.Errorf("%w: configured module %s does not exist", ErrModuleNotFound, configured)
	}
	for _, p := range candidates {
		if exists(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: tried %s", ErrModuleNotFound, strings.Join(candidates, ", "))
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}
