package main

import (
	"errors"
	"fmt"

	"golang.org/x/sys/windows/registry"
)

// installerValues reads the properties the MSI wrote under HKLM\installerKey (see
// packaging/windows/comptoir.wxs). The registry carries any text as is, where a custom action's
// command line would break on quotes or a trailing backslash. A missing key or value is "".
func installerValues() (map[string]string, error) {
	out := map[string]string{}
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, installerKey, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open HKLM\\%s: %w", installerKey, err)
	}
	defer k.Close()
	names := []string{lockedProp}
	for _, s := range machineSettings {
		names = append(names, s.prop)
	}
	for _, name := range names {
		v, _, err := k.GetStringValue(name)
		switch {
		case errors.Is(err, registry.ErrNotExist):
		case err != nil:
			return nil, fmt.Errorf("read HKLM\\%s\\%s: %w", installerKey, name, err)
		default:
			out[name] = v
		}
	}
	return out, nil
}
