// Package keyring implements store.Keyring with the operating system's per-user secret
// store, the second wrapping of a cache's data key (see the store package's threat model):
//
//   - Windows: DPAPI (CryptProtectData, user scope, no UI): the protected blob is a file in
//     the user's local application data; only the same Windows user on the same machine
//     (or with the same roaming master key) can unprotect it.
//   - macOS: a generic password of the user's login Keychain, through /usr/bin/security
//     (no cgo); the secret goes through the tool's standard input, never its arguments.
//   - Linux and other Unix: the freedesktop Secret Service (GNOME Keyring, KWallet) on the
//     session D-Bus, in its default collection.
//
// Default returns this system's. Secrets are short printable strings (the store gives
// hex); accounts are national IDs (store.ValidAccount). Errors wrap store.ErrSecretNotFound
// for a missing secret and store.ErrKeyringUnavailable when the store cannot be reached,
// is locked or refuses.
package keyring

// Service names Comptoir's entries in the OS secret store.
const Service = "Comptoir"
