package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// MemorySettings keeps the configuration in memory (tests, demo mode).
type MemorySettings struct {
	mu  sync.Mutex
	cfg Config
}

// Load returns the stored configuration.
func (m *MemorySettings) Load() (Config, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cfg, nil
}

// Save stores c.
func (m *MemorySettings) Save(c Config) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cfg = c
	return nil
}

// FileSettings keeps the configuration in a JSON file (os.UserConfigDir()/comptoir/config.json).
// Unknown keys written by other parts of Comptoir are preserved.
type FileSettings struct{ Path string }

// Load reads the file; a missing file is an empty configuration.
func (f FileSettings) Load() (Config, error) {
	var c Config
	raw, err := os.ReadFile(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("app: read settings %s: %w", f.Path, err)
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return Config{}, fmt.Errorf("app: parse settings %s: %w", f.Path, err)
	}
	return c, nil
}

// Save writes c atomically, merged into the keys already in the file.
func (f FileSettings) Save(c Config) error {
	all := map[string]any{}
	if raw, err := os.ReadFile(f.Path); err == nil {
		_ = json.Unmarshal(raw, &all) // a broken file is replaced
	}
	mine, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("app: encode settings: %w", err)
	}
	var fields map[string]any
	if err := json.Unmarshal(mine, &fields); err != nil {
		return fmt.Errorf("app: encode settings: %w", err)
	}
	for _, k := range []string{"operator", "pkcs11_module", "language", "auto_lock", "theme", "text_size"} {
		delete(all, k)
	}
	for k, v := range fields {
		all[k] = v
	}
	out, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		return fmt.Errorf("app: encode settings: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(f.Path), 0o700); err != nil {
		return fmt.Errorf("app: settings dir: %w", err)
	}
	tmp := f.Path + ".tmp"
	if err := os.WriteFile(tmp, out, 0o600); err != nil {
		return fmt.Errorf("app: write settings: %w", err)
	}
	if err := os.Rename(tmp, f.Path); err != nil {
		return fmt.Errorf("app: write settings: %w", err)
	}
	return nil
}
