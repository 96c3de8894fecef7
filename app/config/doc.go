// Package config is the one owner of Comptoir's config.json: it reads it, layers the
// workstation's file under the user's, and writes the user's settings back.
//
// # Two files
//
//   - The machine file, deployed by the pharmacy's IT (the Windows installer writes it from its
//     properties, see `comptoir config machine`): MachinePath() — Windows
//     %ProgramData%\Comptoir\config.json, Linux /etc/comptoir/config.json, macOS
//     /Library/Application Support/Comptoir/config.json. Comptoir only reads it.
//   - The user's file: UserPath(), os.UserConfigDir()/comptoir/config.json (store.ConfigDir()),
//     which the settings screen writes.
//
// Both have the same keys (see Config; JSON keys in the Key* constants). The effective
// configuration is the machine file's values overridden by the user's, object by object: a user
// file that sets only "operator.imap" keeps the machine's "operator.domain". A missing file is
// an empty layer.
//
// # Locked keys
//
// The machine file may list keys the user cannot override:
//
//	{"operator": {"domain": "op.mssante.fr"}, "locked": ["operator", "pkcs11_module"]}
//
// A lock names a key by its dotted path ("operator.trust_store") or a whole section
// ("operator": every key under it, including keys added later). A locked key takes the
// machine's value, or stays unset if the machine file does not set it; whatever the user's file
// says about it is ignored (and left in the file). "locked" is read from the machine file only.
// Names this version does not know are accepted (a newer machine file may lock newer keys).
// Locks are an administrative convenience, not a security boundary: a user who controls their
// own account can always run another program.
//
// # Saving
//
// Files.Save writes the user's file only: each known key whose value equals the machine layer's
// is removed from it (so later changes to the machine file reach the user), the others are
// written. A change to a locked key is refused as a whole (ErrLocked, nothing written). Keys this
// version does not know — at the top level or inside "operator" — are kept as they are. The
// write is atomic (temporary file, then rename) with mode 0600.
//
// # Broken files
//
// A file that is not valid JSON, or whose known keys have the wrong type, is never rewritten:
// Load and Save return ErrBroken (a *BrokenError naming the file, and the line when known), and
// UserMessage gives the French sentence to show. Load still returns what it could read from the
// other layer, so the application can start.
//
// # Compatibility
//
// Files written by earlier versions read unchanged: "auto_lock" is a number of nanoseconds (Go's
// time.Duration in JSON, which Save still writes) or a duration string such as "10m";
// "trust_store" and "hosts" are lists, a single string is accepted.
//
// Operator.Mail converts the operator section to the mail package's mail.OperatorConfig,
// whose Resolve finds the servers and loads the trust store.
package config
