//go:build windows || darwin

package keyring

import "comptoir/store"

type nopCloser struct{ store.Keyring }

func (nopCloser) Close() error { return nil }
