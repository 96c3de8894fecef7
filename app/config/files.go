package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"

	"comptoir/store"
)

// FileName is the name of both files.
const FileName = "config.json"

// Files names the two layers. An empty Machine means no machine layer (tests, --config).
type Files struct {
	Machine string
	User    string
}

// MachinePath is the workstation's file: %ProgramData%\Comptoir\config.json on Windows,
// /Library/Application Support/Comptoir/config.json on macOS, /etc/comptoir/config.json
// elsewhere.
func MachinePath() string {
	switch runtime.GOOS {
	case "windows":
		dir := os.Getenv("ProgramData")
		if dir == "" {
			dir = `C:\ProgramData`
		}
		return filepath.Join(dir, "Comptoir", FileName)
	case "darwin":
		return filepath.Join("/Library", "Application Support", "Comptoir", FileName)
	default:
		return filepath.Join("/etc", "comptoir", FileName)
	}
}

// UserPath is the user's file, store.ConfigDir()/config.json.
func UserPath() (string, error) {
	dir, err := store.ConfigDir()
	if err != nil {
		return "", fmt.Errorf("config: %w", err)
	}
	return filepath.Join(dir, FileName), nil
}

// Default is the workstation's file under the user's.
func Default() (Files, error) {
	u, err := UserPath()
	if err != nil {
		return Files{}, err
	}
	return Files{Machine: MachinePath(), User: u}, nil
}

// Layered is the configuration with where each value comes from.
type Layered struct {
	Effective Config   // what Comptoir uses
	Machine   Config   // the machine file alone
	User      Config   // the user's file alone (including values a lock overrides)
	Locked    []string // the machine file's locks

	origin   map[string]Source
	userTree tree
}

// IsLocked reports whether the machine file locks key (a dotted key, see the Key* constants).
func (l Layered) IsLocked(key string) bool {
	return slices.ContainsFunc(l.Locked, func(lock string) bool { return covers(lock, key) })
}

// Origin says which layer the effective value of a leaf key comes from.
func (l Layered) Origin(key string) Source { return l.origin[key] }

// Load returns the effective configuration. On ErrBroken it still returns what the readable
// layer gives (the application starts; the caller shows UserMessage(err)).
func (f Files) Load() (Config, error) {
	l, err := f.LoadLayers()
	return l.Effective, err
}

// LoadLayers reads both files and lays them out. On an error the readable layer is still used:
// a broken machine file leaves the user's values (without locks), a broken user file the
// machine's.
func (f Files) LoadLayers() (Layered, error) {
	var errs []error
	mt, err := f.read(f.Machine)
	if err != nil {
		errs = append(errs, err)
		mt = tree{}
	}
	ut, err := f.read(f.User)
	if err != nil {
		errs = append(errs, err)
		ut = tree{}
	}
	l := Layered{userTree: ut, origin: map[string]Source{}}
	l.Machine, l.Locked, _ = decode(mt) // read checked both trees
	l.User, _, _ = decode(ut)
	eff := merge(mt, ut, l.IsLocked)
	l.Effective, _, _ = decode(eff)
	for _, fd := range fields {
		mv, _ := lookup(mt, fd.key)
		uv, _ := lookup(ut, fd.key)
		switch {
		case uv != nil && !l.IsLocked(fd.key):
			l.origin[fd.key] = FromUser
		case mv != nil:
			l.origin[fd.key] = FromMachine
		}
	}
	return l, errors.Join(errs...)
}

// read reads one layer's tree and checks its known keys; "" is an empty layer.
func (f Files) read(path string) (tree, error) {
	if path == "" {
		return tree{}, nil
	}
	t, _, err := readTree(path)
	if err != nil {
		return nil, err
	}
	if _, _, err := decode(t); err != nil {
		return nil, brokenError(path, nil, "", err)
	}
	return t, nil
}

// Save writes c as the user's settings: known keys equal to the machine layer's are removed
// from the user's file, the others written; unknown keys are kept. It refuses, writing nothing,
// when a file is broken (ErrBroken) or when c changes a locked key (a *LockedError).
func (f Files) Save(c Config) error {
	if f.User == "" {
		return errors.New("config: save: no user file")
	}
	l, err := f.LoadLayers()
	if err != nil {
		return fmt.Errorf("config: save: %w", err)
	}
	ut := l.userTree
	var locked []string
	for _, fd := range fields {
		v := fd.get(&c)
		if l.IsLocked(fd.key) {
			if !same(v, fd.get(&l.Effective)) {
				locked = append(locked, fd.key)
			}
			continue
		}
		if same(v, fd.get(&l.Machine)) {
			deleteKey(ut, fd.key)
		} else {
			setKey(ut, fd.key, v)
		}
	}
	if len(locked) > 0 {
		return &LockedError{Keys: locked}
	}
	raw, err := encodeTree(ut)
	if err != nil {
		return err
	}
	if err := writeAtomic(f.User, raw, 0o600, 0o700); err != nil {
		return fmt.Errorf("config: save: %w", err)
	}
	return nil
}

// writeAtomic replaces path with data: a temporary file in the same directory, synced, then
// renamed over it, so that a crash leaves the old file or the new one.
func writeAtomic(path string, data []byte, mode, dirMode os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(mode); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		done = true
		return fmt.Errorf("write %s: %w", path, err)
	}
	done = true
	return nil
}
