package session

import (
	"log/slog"
	"time"

	"comptoir/mail"
	"comptoir/mail/msg"
	"comptoir/store"
)

// Config is what a session needs besides its credential. The front ends build it from the
// configuration file (servers resolved, trust store loaded).
type Config struct {
	Servers mail.Operator // IMAP and submission servers, trust anchors
	// APIURL is the operator's provisioning API; "" lists the BALs from the cache only and
	// disables BAL creation.
	APIURL string
	Trust  *msg.TrustList // the trust-space list; nil: recipients are not checked (a warning)
	// TrustList is where that list is stored and refreshed from (« Mettre à jour » in
	// Paramètres); a zero Path offers no refresh.
	TrustList TrustListConfig
	// CacheDir holds one cache file per holder; "" means store.PathFor.
	CacheDir   string
	ProductRef string // X-MSS-NIL, "Comptoir/<version>"
	Logger     *slog.Logger
	// APITimeout bounds one provisioning API call (default 10 s). The call at login runs in
	// the background unless the cache knows no BAL yet.
	APITimeout time.Duration
	// PendingPoll bounds the polling of pending BALs (defaults 250 ms and 5 min); the first
	// check waits until the operator's announced activation time.
	PendingPollMin, PendingPollMax time.Duration
	// Keyring is the OS keyring (store/keyring.Default) when the operator offers Pro Santé
	// Connect logins: a card login adds its wrapping of the cache key, and a Pro Santé
	// Connect login opens the cache with it. nil: card logins leave the cache to the card
	// alone, and Pro Santé Connect logins fail with store.ErrKeyringUnavailable.
	Keyring store.Keyring
	// Engine adjusts the engine configuration (tests shorten the backoff).
	Engine func(*mail.EngineConfig)
	// Now is the clock (tests); time.Now when nil.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.APITimeout <= 0 {
		c.APITimeout = 10 * time.Second
	}
	if c.PendingPollMin <= 0 {
		c.PendingPollMin = 250 * time.Millisecond
	}
	if c.PendingPollMax <= 0 {
		c.PendingPollMax = 5 * time.Minute
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}
