//go:build !windows && !darwin

package keyring

// Default is the Secret Service of the session bus. Close it when done.
func Default() (Closer, error) { return OpenSecretService() }
