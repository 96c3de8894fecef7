package keyring

// Default is the user's login Keychain. Close it when done.
func Default() (Closer, error) { return nopCloser{&Keychain{}}, nil }
