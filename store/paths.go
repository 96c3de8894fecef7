package store

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// DataDir is where Comptoir keeps its caches: $XDG_DATA_HOME/comptoir (default
// ~/.local/share/comptoir) on Linux, %LOCALAPPDATA%\Comptoir on Windows,
// ~/Library/Application Support/Comptoir on macOS. It is not created.
func DataDir() (string, error) {
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LOCALAPPDATA"); d != "" {
			return filepath.Join(d, "Comptoir"), nil
		}
		return "", errors.New("store: LOCALAPPDATA is not set")
	case "darwin":
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("store: data dir: %w", err)
		}
		return filepath.Join(home, "Library", "Application Support", "Comptoir"), nil
	default:
		if d := os.Getenv("XDG_DATA_HOME"); filepath.IsAbs(d) {
			return filepath.Join(d, "comptoir"), nil
		}
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("store: data dir: %w", err)
		}
		return filepath.Join(home, ".local", "share", "comptoir"), nil
	}
}

// ConfigDir is os.UserConfigDir()/comptoir. It is not created.
func ConfigDir() (string, error) {
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("store: config dir: %w", err)
	}
	return filepath.Join(d, "comptoir"), nil
}

// PathFor is the cache file of one card holder. The national ID (public in the Annuaire
// Santé) is hashed only to keep file names uniform and free of separators.
func PathFor(nationalID string) (string, error) {
	if nationalID == "" {
		return "", errors.New("store: empty national ID")
	}
	dir, err := DataDir()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte("comptoir-cache-name\x00" + nationalID))
	return filepath.Join(dir, "cache-"+hex.EncodeToString(sum[:10])+".db"), nil
}
