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

// operatorKeys are the keys of OperatorSettings: Save rewrites them, and keeps the other
// keys of the operator object.
var operatorKeys = []string{"domain", "imap", "submission", "trust_store", "api", "psc"}

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
	// The operator object is shared with mail.OperatorConfig (implicit TLS, server name…):
	// its keys this Config does not know are kept.
	op, _ := all["operator"].(map[string]any)
	for _, k := range []string{"operator", "pkcs11_module", "language", "auto_lock", "psc_national_id"} {
		delete(all, k)
	}
	for k, v := range fields {
		all[k] = v
	}
	if mine, ok := fields["operator"].(map[string]any); ok && op != nil {
		for _, k := range operatorKeys {
			delete(op, k)
		}
		for k, v := range mine {
			op[k] = v
		}
		all["operator"] = op
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
