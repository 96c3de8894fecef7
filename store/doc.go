// Package store is the local cache of Comptoir: one bbolt file per card holder
// (PathFor, by national ID), encrypted with a key that holder's CPS card unlocks, and, once
// enrolled on a workstation, a secret of the operating system's per-user secret store too
// (for Pro Santé Connect logins, without the card).
//
// # Keys
//
// Open asks the card for exactly one private-key operation: an RSA PKCS#1 v1.5 (SHA-256)
// signature over a fixed, domain-separated challenge ("Comptoir cache key v1: …" and the
// file's random 32-byte salt). PKCS#1 v1.5 is deterministic, so the same card always
// gives the same signature; HKDF-SHA-256 turns it into a key-wrapping key, which unwraps
// (AES-256-GCM) the file's random 256-bit data key. A different card fails to unwrap:
// ErrWrongCard. From the data key HKDF derives the value key (AES-256-GCM) and the token
// key (HMAC-SHA-256). Lock and Close zero the key bytes we hold and drop the in-memory
// word-token cache of the indexer; Unlock signs again.
// Rekey re-wraps the data key for a renewed card.
//
// The same data key can be wrapped a second, independent time for the OS keyring
// (Keyring; implementations in comptoir/store/keyring: Windows DPAPI, macOS Keychain,
// Linux Secret Service): EnrollKeyring keeps a random 256-bit secret in the user's secret
// store under the holder's national ID (reusing one already there), HKDF-SHA-256 turns it
// (bound to that ID) into a key-wrapping key, and meta gets the AES-256-GCM wrapping
// (oswrapped). OpenWithKeyring and UnlockWithKeyring open the file with it and no card
// operation; DisenrollKeyring removes both. A first login by Pro Santé Connect creates the
// file with that wrapping only: Open then returns ErrNoCardKey before asking the card
// anything, and Rekey adds the card's wrapping once the file is open. The secret never
// enters the file; the wrapping names no account.
//
// Every value holding health or personal data is sealed with AES-256-GCM, random 96-bit
// nonce, associated data = bucket name || 0 || key, so a value cannot be moved to another
// record. Identifiers used as keys (BAL addresses, folder names, Message-IDs, INS,
// settings names, search words) are keyed hashes, never plaintext.
//
// # Bucket tree (schema 5)
//
//	meta        plaintext header: format "comptoir-store", schema (uint32), salt, wrapped
//	            (data key wrapped for the card; absent in a file created with the OS keyring),
//	            oswrapped (data key wrapped for the OS keyring; absent until enrolled)
//	bals        H16(address)                      -> sealed BAL
//	folders     fid                               -> sealed {Folder, total, unread}
//	msgs        fid | uid                         -> sealed {Envelope without Text, doc id}
//	bodies      fid | uid                         -> sealed raw RFC 5322 message (PutMessages)
//	bodychunks  fid | uid                         -> sealed manifest {generation, chunks, size, pending}
//	            fid | uid | index                 -> sealed 256 KiB chunk of a streamed body
//	texts       fid | uid                         -> sealed body text (search, Envelope.Text)
//	bydate      fid | ^date | ^uid                -> doc id (plaintext)  pages, newest first
//	docs        doc id                            -> fid | uid | ^date | ^uid (plaintext)
//	postfull    H8(word) | block                  -> sealed doc-id deltas (frozen blocks)
//	posttail    H8(word)                          -> sealed block no | last id | deltas
//	postseg     segment | H8(first word)          -> sealed chunk of a recent batch's postings
//	byid        H16(Message-ID) | fid | uid       -> (empty)
//	bypatient   H16(INS) | fid | uid              -> (empty)
//	outbox      sequence                          -> sealed OutboxItem
//	audit       time (ns) | sequence              -> sealed AuditEntry
//	patients    H16(INS)                          -> sealed Patient
//	settings    H16(name)                         -> sealed value; names (settingkeys.go):
//	            patient.templates, indicator.dispensings, draft:<bal>, mail/pending-ops/<bal>,
//	            mail/outbox-dsn/<id>, bal/credential/<bal>
//
// fid = H8(BAL, folder name); Hn = first n bytes of HMAC-SHA-256(token key, kind || 0 || s);
// uid, dates (Unix seconds, biased) and sequences are big endian; ^ is the bitwise
// complement (newest first). Message records use a compact binary encoding (codec.go),
// the other sealed values JSON.
//
// Large bodies are streamed (WriteBody, OpenBody; bodystream.go): sealed in 256 KiB chunks
// whose associated data adds the chunk index, a final-chunk flag and the write's random
// generation, committed 1 MiB per transaction between a pending manifest (first) and the
// complete one (last), so a write cut short reads as no body and its chunks still
// authenticate. Body reads both forms. Move re-seals a chunked body under its new key
// (the engine moves on the server and resyncs; it does not call Move).
//
// # Integrity of the indexes
//
// bydate, docs, byid and bypatient hold plaintext keys and values (dates, UIDs, doc ids,
// token prefixes) that no key authenticates. Every read through them (Page, Search,
// ByPatient, ByMessageID) checks the sealed record an entry leads to against what the
// entry claims (date and UID, doc id, INS, Message-ID) and skips entries that do not match,
// counting them (IndexMismatches) and logging a warning (verify.go). Check goes further:
// every message has exactly its entries, and the indexes hold nothing else (check.go).
//
// # Threat model: someone with the file but not the card
//
// They cannot read any envelope, body, text, name, address, INS, patient, outbox item,
// audit detail or setting, nor test a guess of an identifier or word (the tokens are
// keyed). They learn: that it is a Comptoir cache and its schema; the number of BALs,
// folders, patients, settings, outbox items and audit entries; per folder (unnamed) the
// number of messages, their dates to the second, UIDs and the order they were cached in;
// the size of each sealed value (so which messages have large attachments); the times of
// audited actions; which cached messages share a Message-ID or a patient (equal token
// prefixes); per unnamed search token, its number of postings, so the frequency profile of
// words; and, from the file name, a hash of the holder's national ID (public in the
// Annuaire Santé). They can destroy the file or roll it back to an older copy (no freshness
// protection), but cannot forge or swap values undetected. Writing the plaintext indexes,
// they can hide a message from a folder list, a search or a patient's history (as deleting
// it would), but not attach it to another patient, thread, date or search word: reads
// ignore such entries and Check reports them. Against someone who holds the card and its
// PIN, or who reads this process's memory while unlocked, nothing here protects; Go cannot
// wipe the AES key schedule.
//
// # Threat model: the OS-keyring wrapping, compared with the card
//
// The card wrapping needs the card and its PIN at every opening; the OS-keyring wrapping
// needs only the secret the OS keeps for the user's account. It is added only when a
// holder logs in with the card on this workstation (the session calls EnrollKeyring), or
// made by a first Pro Santé Connect login that creates the file; the session releases it
// (OpenWithKeyring) only after a successful Pro Santé Connect login of the same national
// ID on this workstation, and forgets it when it locks.
//
// What it protects. At rest, for someone without this OS account's credentials: a copy of
// the file (backup, another machine, another OS account, a stolen disk) needs the card or
// that secret, and the OS keeps the secret encrypted under the user's login (DPAPI master
// key derived from the Windows password; the login Keychain and the Secret Service's login
// collection, unlocked with the session). The secret never enters the file, and a locked
// keyring is reported (ErrKeyringUnavailable), never prompted for.
//
// What it does not protect, where the card does:
//   - Anyone or any program running as that OS user while the keyring is unlocked can read
//     the secret (secret-tool, security find-generic-password, a DPAPI call) and decrypt
//     the file with no card, PIN or Pro Santé Connect login: "only after a PSC login" is
//     Comptoir's rule, not cryptography. Malware in the session needs nothing more; with
//     the card it needs the card inserted and the PIN, or this process's memory.
//   - Colleagues sharing one OS account at the counter share its keyring: each holder's
//     secret is readable by the others' programs (not through Comptoir, which asks for the
//     holder's own PSC login). Separate OS accounts keep holders apart.
//   - Administrators: root, a Windows administrator with the user's password, or a domain
//     holding the DPAPI backup key can recover the secret.
//   - On macOS the items are created through /usr/bin/security, which any process of the
//     user may run to read them without a prompt (an item bound to Comptoir's code
//     signature would need cgo and Security.framework). On Linux the secret crosses the
//     user's session bus in clear (a "plain" Secret Service session).
//   - Removing it (DisenrollKeyring, or deleting the entry in the OS store) stops new
//     openings without the card, but does not change the data key: whoever copied the
//     secret before can still decrypt the file, then and now (its old wrapping may also
//     linger in free pages of the file). Revoking that takes a new cache: set it aside
//     and resynchronise from the server.
//   - A secret already in the keyring for that national ID is reused, not replaced: two
//     caches of the same holder (another data directory) share it, and removing it
//     disables both.
//
// # Patients
//
// Patient records are sealed JSON. Patient.Unconfirmed marks a record the mail engine
// created from a received message (mail/patients.go: only when the operator's
// Authentication-Results vouches for the Mon Espace Santé origin); the pharmacist's save
// clears it. Older records lack the field and read as confirmed.
//
// # Search
//
// An inverted index of keyed word tokens (postings.go, tokenize.go, search.go): words are folded (Fold: case,
// accents, ligatures) and French stop words dropped; prefixes of the short fields (subject,
// sender name, attachment and patient names) are indexed too, for search as you type.
// Queries with few matches resolve each; queries with many walk the date indexes newest
// first and stop at the limit.
//
// # Performance
//
// Page reads 50 date-index keys and 50 records; deep offsets start from in-memory anchors
// (every 512th key, rebuilt after a write). PutMessages seals and tokenizes on worker
// goroutines, chunk by chunk, while its writer inserts the chunks already prepared. After
// each committed write the pages of the mapped file are dropped from the resident set
// (madvise MADV_DONTNEED, release_unix.go: the mapping is read-only and shared, so the
// pages stay in the page cache); a bulk sync would otherwise keep hundreds of MB of the
// file resident. Each batch's postings are one append-only segment; every 64 segments a
// streaming k-way merge (segmerge.go, one chunk per segment in memory) folds them into
// the per-token blocks: rarer merges rewrite fewer posttail pages, at the cost of up to 64
// segment lookups per search token. Write amplification left (~0.5 GB written beyond a
// 2.1 GB file for 100 000 messages): byid and bypatient are keyed by hashes, so a batch
// dirties leaves all over them, and bbolt rewrites a bucket's last leaf (up to 4 bodies)
// when the next batch appends to it. Measured figures: go test -bench . ./store (the data
// set, 100 000 realistic messages, is built once per run; COMPTOIR_BENCH_MESSAGES changes
// its size, COMPTOIR_BENCH_BATCH the messages per PutMessages, 500 by default).
//
// # Robustness
//
// bbolt's file lock makes a second Comptoir on the same file fail with ErrLocked after
// Options.LockTimeout. A damaged or foreign file is renamed to <path>.corrupt-<UTC time>
// and Open returns a *CorruptError (ErrCorrupt): nothing is overwritten. Every write is one
// bbolt transaction, committed with fsync before the call returns; a write that fails for
// lack of space returns ErrDiskFull and leaves the last commit intact. Values returned are
// always copies; no transaction outlives a call.
//
// # Schema
//
// The meta schema number and the ordered migrations of schema.go upgrade older files on
// Open, one transaction per step.
package store
