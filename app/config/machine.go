package config

import (
	"fmt"
	"strings"
)

// SetMachine writes the non-empty values of c into the machine file at path, and replaces its
// "locked" list when locked is not nil; every other key of the file is kept. With nothing to
// set it does nothing (no file is created): an upgrade that passes no values keeps the file as
// IT left it. A broken file is left untouched (ErrBroken). The file is readable by every user
// (0644): it holds no secret.
func SetMachine(path string, c Config, locked []string) (changed bool, err error) {
	t, _, err := readTree(path)
	if err != nil {
		return false, fmt.Errorf("config: machine file: %w", err)
	}
	if _, _, err := decode(t); err != nil {
		return false, fmt.Errorf("config: machine file: %w", brokenError(path, nil, "", err))
	}
	for _, fd := range fields {
		if v := fd.get(&c); !isZero(v) {
			setKey(t, fd.key, v)
			changed = true
		}
	}
	if locked != nil {
		l := make([]string, 0, len(locked))
		for _, k := range locked {
			if k = strings.TrimSpace(k); k != "" {
				l = append(l, k)
			}
		}
		t[KeyLocked] = l
		changed = true
	}
	if !changed {
		return false, nil
	}
	raw, err := encodeTree(t)
	if err != nil {
		return false, err
	}
	if err := writeAtomic(path, raw, 0o644, 0o755); err != nil {
		return false, fmt.Errorf("config: machine file: %w", err)
	}
	return true, nil
}
