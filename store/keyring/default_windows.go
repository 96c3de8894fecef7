package keyring

import (
	"path/filepath"

	"comptoir/store"
)

// Default is DPAPI with its blobs in the data directory (%LOCALAPPDATA%\Comptoir\keyring).
// Close it when done.
func Default() (Closer, error) {
	dir, err := store.DataDir()
	if err != nil {
		return nil, err
	}
	return nopCloser{NewDPAPI(filepath.Join(dir, "keyring"))}, nil
}
