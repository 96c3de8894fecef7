package session

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"comptoir/store"
)

// keyringTimeout bounds the OS keyring calls of a login (a D-Bus service that hangs must not
// hang the login).
const keyringTimeout = 10 * time.Second

// ErrNoCache: a Pro Santé Connect login found no cache of its holder on this workstation.
// The first login on a workstation is made with the card: it creates the cache, learns the
// BALs from the operator (whose API authenticates by card) and adds the OS keyring's key.
// It wraps store.ErrNotEnrolled, whose French text says so.
var ErrNoCache = fmt.Errorf("session: no cache on this workstation for this holder: %w", store.ErrNotEnrolled)

// openCache opens the credential's cache file: with one signature of the card (then, when
// the configuration has an OS keyring, the keyring's wrapping is added so that a Pro Santé
// Connect login of the same holder opens the same file), with the structure's key, or, for
// a Pro Santé Connect login, with the OS keyring's key.
func openCache(ctx context.Context, cred Credential, path string, cfg Config) (*store.Store, error) {
	opts := store.Options{Logger: cfg.Logger}
	if p, ok := cred.(PSCCredential); ok {
		return openWithPSC(ctx, p, path, cfg, opts)
	}
	signer, err := signerOf(cred)
	if err != nil {
		return nil, err
	}
	card, isCard := cred.(CardCredential)
	st, err := store.Open(path, signer, opts)
	if errors.Is(err, store.ErrNoCardKey) && isCard && cfg.Keyring != nil {
		// Made by a Pro Santé Connect login: open it with the keyring, then bind the card.
		kctx, cancel := context.WithTimeout(ctx, keyringTimeout)
		st, err = store.OpenWithKeyring(kctx, path, cred.cacheID(), cfg.Keyring, opts)
		cancel()
		if err == nil {
			if err = st.Rekey(signer); err != nil {
				st.Close()
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("session: open cache: %w", err)
	}
	if isCard && cfg.Keyring != nil {
		kctx, cancel := context.WithTimeout(ctx, keyringTimeout)
		err := st.EnrollKeyring(kctx, cfg.Keyring, card.Card.Identity().NationalID)
		cancel()
		if err != nil {
			// The card session works without it; only the e-CPS login will not open this cache.
			cfg.Logger.Warn("OS keyring: e-CPS logins will not open this cache", "err", err)
		}
	}
	return st, nil
}

// openWithPSC opens the cache of a professional whose Pro Santé Connect login succeeded:
// called only with a live psc.Session, whose identity the ID token vouched for.
func openWithPSC(ctx context.Context, p PSCCredential, path string, cfg Config, opts store.Options) (*store.Store, error) {
	nid := p.cacheID()
	if err := p.Session.Err(); err != nil {
		return nil, fmt.Errorf("session: open cache: %w", err)
	}
	if !ValidNationalID(nid) {
		return nil, fmt.Errorf("session: open cache: invalid national id %q from Pro Santé Connect", nid)
	}
	if cfg.Keyring == nil {
		return nil, fmt.Errorf("session: open cache: %w: none configured", store.ErrKeyringUnavailable)
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNoCache
	}
	kctx, cancel := context.WithTimeout(ctx, keyringTimeout)
	defer cancel()
	st, err := store.OpenWithKeyring(kctx, path, nid, cfg.Keyring, opts)
	if err != nil {
		return nil, fmt.Errorf("session: open cache: %w", err)
	}
	return st, nil
}

// CheckPSC tells, before a Pro Santé Connect login is sent to the phone, whether its success
// could open a cache here: an OS keyring is configured and the holder's cache exists (made by
// a card login). It reads no secret: the keyring is asked only after the login succeeded.
// Errors: store.ErrKeyringUnavailable, ErrNoCache.
func CheckPSC(cfg Config, nationalID string) error {
	if !ValidNationalID(nationalID) {
		return fmt.Errorf("session: invalid national id %q", nationalID)
	}
	if cfg.Keyring == nil {
		return fmt.Errorf("session: %w: none configured", store.ErrKeyringUnavailable)
	}
	path, err := cachePath(cfg.CacheDir, nationalID)
	if err != nil {
		return err
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return ErrNoCache
	}
	return nil
}
