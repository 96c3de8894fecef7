package config

import "sync"

// Memory keeps a configuration in memory, for demo mode and tests: the same Load, Save and
// LoadLayers as Files, without files (no machine layer, nothing locked).
type Memory struct {
	mu  sync.Mutex
	cfg Config
}

// Load returns the stored configuration.
func (m *Memory) Load() (Config, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cfg, nil
}

// Save stores c.
func (m *Memory) Save(c Config) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cfg = c
	return nil
}

// LoadLayers is the stored configuration as the user's only layer.
func (m *Memory) LoadLayers() (Layered, error) {
	c, _ := m.Load()
	return Layered{Effective: c, User: c}, nil
}
