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
		return "", &ModuleNotFoundError{Tried: []string{configured}, Configured: true}
	}
	for _, p := range candidates {
		if exists(p) {
			return p, nil
		}
	}
	return "", &ModuleNotFoundError{Tried: candidates}
}

// ModuleNotFoundError lists the paths FindModule tried; it wraps ErrModuleNotFound.
type ModuleNotFoundError struct {
	Tried      []string
	Configured bool // the only path tried was the configured one
}

func (e *ModuleNotFoundError) Error() string {
	if e.Configured {
		return fmt.Sprintf("%v: configured module %s does not exist", ErrModuleNotFound, strings.Join(e.Tried, ", "))
	}
	return fmt.Sprintf("%v: tried %s", ErrModuleNotFound, strings.Join(e.Tried, ", "))
}

func (e *ModuleNotFoundError) Unwrap() error { return ErrModuleNotFound }

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}
