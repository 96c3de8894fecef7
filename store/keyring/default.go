package keyring

import "comptoir/store"

// Closer is a store.Keyring holding resources (a D-Bus connection): Close it when done.
type Closer interface {
	store.Keyring
	Close() error
}
