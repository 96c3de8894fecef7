//go:build !darwin

package keyring

// label is what the OS secret store shows of an entry (Seahorse, the DPAPI description);
// the Keychain item shows its service name, Service.
func label(account string) string {
	return "Comptoir : clé du cache local (" + account + ")"
}
