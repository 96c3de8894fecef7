//go:build !windows

package main

import "errors"

// installerValues: only the Windows installer leaves values in a registry.
func installerValues() (map[string]string, error) {
	return nil, errors.New("--from-registry n'existe que sous Windows")
}
