// Package session is the logged-in session that both front ends use: the GUI (package app,
// through app/bridge) and the command line (cmd/comptoir's sync, send, bal and doctor).
//
// A session is opened from a credential and a configuration:
//   - CardCredential: a logged-in CPS card and the practice situation the holder chose;
//   - AppCredential: an APP BAL's structure certificate (IGC-Santé ORGANISATIONS), no card;
//   - PSCCredential: a Pro Santé Connect login (e-CPS or browser, mail/psc), no card.
//
// A card login adds, when the configuration has an OS keyring (Config.Keyring, set when the
// operator offers Pro Santé Connect), the keyring's wrapping of the cache key
// (store.EnrollKeyring). A Pro Santé Connect login opens that same file with it
// (store.OpenWithKeyring), only once PSC vouched for the holder; it never creates one: the
// first login on a workstation is made with the card, which also learns the BALs (the
// operator's API authenticates by card, so an e-CPS session keeps the cache's BAL list, and
// BAL creation, roles and the listing answer ErrNeedsCard). The holder's BALs authenticate
// with the access token (mail.EngineConfig.Token), APP BALs still with their certificate.
// The tokens stay in the psc.Session, in memory. When PSC refuses the refresh, Removed is
// closed and EndErr says ErrPSCEnded: the front end locks (Réf. #2 ECO.1.2.6); Lock logs out
// at PSC in the background.
//
// It owns, for its lifetime:
//   - the cache (store), unlocked by one signature of the credential's key;
//   - the BALs and the credential each one uses: the holder's BALs with the card, an APP BAL
//     only with its structure's certificate (kept sealed in the cache when the wizard
//     created it), never with the card;
//   - the mail engine (mail) and its one typed event stream (mail.Event), passed to the
//     screens untouched;
//   - the trust-space list, the audit author (Author) and the From display name (From,
//     ECO.2.2.7);
//   - drafts (one per BAL) and the patient book;
//   - BAL provisioning (CreateBAL, members) and the watch of pending BALs: when the operator
//     activates one, it joins the engine (mail.Engine.AddBAL) and mail.BALAdded is emitted.
//
// Opening never waits on the network for what the cache already knows: the BAL list comes
// from the cache at once and is refreshed from the operator's API in the background. A BAL
// the operator no longer lists is marked retired (StatusRetired), its cache kept until the
// user confirms (ForgetBAL).
//
// Lock wipes the keys first, drops the provisioning connections (a call in flight is
// abandoned) and stops the engine in the background, so it never waits on the network; every
// later call fails with ErrClosed.
//
// A renewed card (same holder, new key) cannot open its holder's cache: Open returns a
// *RenewedCardError, and StartAfresh sets the old file aside (renamed, kept: the old card
// still opens it) and opens a fresh cache filled from the operator.
// Diagnose is the one connection diagnostic of `comptoir doctor` and « Tester la connexion ».
package session
