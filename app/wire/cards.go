// Package wire builds the app's Deps from the real parts: the card (cps), the cache (store),
// the mail engine (mail) and the operator's provisioning API (mail/provisioning). It is the only
// place that converts between their types and the app's.
//
// A login opens, in order: the card session (one PIN check), the holder's cache (one card
// signature unlocks its key), the list of BALs the holder may open (the provisioning API,
// or the cache's copy when the operator cannot be reached), and the mail engine on those
// BALs. Closing the session undoes all of it: engine stopped, cache keys wiped, card logged out.
package wire

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"comptoir/app"
	"comptoir/cps"
	"comptoir/mail"
	"comptoir/mail/msg"
	"comptoir/mail/provisioning"
	"comptoir/store"
)

// Options configure the card layer and what a login opens.
type Options struct {
	Module   *cps.Module
	Operator mail.Operator
	// APIURL is the provisioning API (provisioning.Config.BaseURL); "" lists the BALs from the cache.
	APIURL string
	Trust  *msg.TrustList // the trust-space list; nil: recipients are not checked
	// CacheDir holds one cache file per holder; "" means store.PathFor.
	CacheDir string
	NIL      string // X-MSS-NIL: "Comptoir/<version>"
	Logger   *slog.Logger
	// WatchEvery is the card polling period (cps.DefaultWatchInterval when 0).
	WatchEvery time.Duration
	// Engine adjusts the engine configuration (tests shorten the backoff).
	Engine func(*mail.EngineConfig)
}

// Cards implements app.Cards over a cps.Module.
type Cards struct{ o Options }

// NewCards returns the card layer.
func NewCards(o Options) *Cards {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Cards{o: o}
}

func appReader(r cps.Reader) app.Reader {
	return app.Reader{Slot: r.Slot, Description: r.Description, CardPresent: r.CardPresent, Label: r.Label}
}

// Readers lists the card readers.
func (c *Cards) Readers(ctx context.Context) ([]app.Reader, error) {
	rs, err := c.o.Module.Readers(ctx)
	if err != nil {
		return nil, fmt.Errorf("wire: readers: %w", err)
	}
	out := make([]app.Reader, len(rs))
	for i, r := range rs {
		out[i] = appReader(r)
	}
	return out, nil
}

// Watch relays the module's card events.
func (c *Cards) Watch(ctx context.Context) <-chan app.CardEvent {
	in := c.o.Module.Watch(ctx, c.o.WatchEvery)
	out := make(chan app.CardEvent)
	go func() {
		defer close(out)
		for ev := range in {
			select {
			case out <- app.CardEvent{Inserted: ev.Kind == cps.CardInserted, Reader: appReader(ev.Reader)}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// Login checks the PIN and opens the holder's session.
func (c *Cards) Login(ctx context.Context, slot uint, pin []byte) (app.Session, error) {
	card, err := c.o.Module.Login(ctx, slot, pin)
	if err != nil {
		return nil, loginError(err)
	}
	s, err := c.open(ctx, card)
	if err != nil {
		card.Close()
		return nil, err
	}
	return s, nil
}

func loginError(err error) error {
	var pe *cps.PINError
	switch {
	case errors.As(err, &pe):
		return &app.PINError{Locked: pe.State.Locked || errors.Is(err, cps.ErrPINLocked),
			FinalTry: pe.State.FinalTry, CountLow: pe.State.CountLow}
	case errors.Is(err, cps.ErrPINLocked):
		return &app.PINError{Locked: true}
	case errors.Is(err, cps.ErrPINIncorrect):
		return &app.PINError{}
	case errors.Is(err, cps.ErrNoCard), errors.Is(err, cps.ErrCardRemoved):
		return app.ErrNoCard
	}
	return fmt.Errorf("wire: card login: %w", err)
}

func (c *Cards) cachePath(nationalID string) (string, error) {
	if c.o.CacheDir == "" {
		return store.PathFor(nationalID)
	}
	if err := os.MkdirAll(c.o.CacheDir, 0o700); err != nil {
		return "", fmt.Errorf("wire: cache dir: %w", err)
	}
	return filepath.Join(c.o.CacheDir, nationalID+".db"), nil
}

func (c *Cards) open(ctx context.Context, card *cps.Card) (*Session, error) {
	id := card.Identity()
	path, err := c.cachePath(id.NationalID)
	if err != nil {
		return nil, err
	}
	// The cache key comes from one signature by the card's authentication key (PKCS#1 v1.5,
	// which every CPS generation offers).
	signer, ok := card.TLSCertificate().PrivateKey.(crypto.Signer)
	if !ok {
		return nil, errors.New("wire: the card offers no signer")
	}
	st, err := store.Open(path, signer, store.Options{Logger: c.o.Logger})
	if err != nil {
		return nil, fmt.Errorf("wire: open cache: %w", err)
	}
	bals := c.listBALs(ctx, card, st)
	addrs := make([]string, len(bals))
	for i, b := range bals {
		addrs[i] = b.Address
	}
	cfg := mail.EngineConfig{
		Operator: c.o.Operator,
		Cert:     card.TLSCertificate(),
		MaxTLS:   card.MaxTLSVersion(),
		Author:   strings.TrimSpace(id.FullName() + " " + id.NationalID),
		Store:    st,
		BALs:     addrs,
		Logger:   c.o.Logger,
		NIL:      c.o.NIL,
		Trust:    c.o.Trust,
	}
	if c.o.Engine != nil {
		c.o.Engine(&cfg)
	}
	eng := mail.NewEngine(cfg)
	s := newSession(card, st, eng, bals, c.o)
	s.start()
	return s, nil
}

// listBALs asks the operator which BALs the holder may open (active ones) and keeps the
// answer in the cache; offline, the cache's last answer is used.
func (c *Cards) listBALs(ctx context.Context, card *cps.Card, st *store.Store) []store.BAL {
	if c.o.APIURL != "" {
		cl, err := provisioning.New(provisioning.Config{BaseURL: c.o.APIURL, Certificate: card.TLSCertificate(),
			Trust: c.o.Operator.Trust, RootCAs: c.o.Operator.RootCAs, MaxTLS: card.MaxTLSVersion(), Timeout: 10 * time.Second})
		if err == nil {
			defer cl.Close()
			ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			list, err := cl.BALs(ctx)
			if err == nil {
				return c.keepBALs(st, list)
			}
			c.o.Logger.Warn("list BALs from the operator", "err", err)
		} else {
			c.o.Logger.Warn("provisioning client", "err", err)
		}
	}
	bals, err := st.BALs()
	if err != nil {
		c.o.Logger.Warn("list cached BALs", "err", err)
	}
	return activeFirst(bals)
}

func (c *Cards) keepBALs(st *store.Store, list []provisioning.BAL) []store.BAL {
	keep := map[string]bool{}
	var out []store.BAL
	for _, b := range list {
		if b.Status != "" && b.Status != provisioning.StatusActive {
			continue
		}
		sb := store.BAL{Address: b.Address, Kind: b.Kind, DisplayName: b.DisplayName, Role: b.Role, Status: b.Status}
		if err := st.PutBAL(sb); err != nil {
			c.o.Logger.Warn("cache BAL", "err", err)
		}
		keep[b.Address] = true
		out = append(out, sb)
	}
	// A right withdrawn on the operator's side is withdrawn here too.
	if old, err := st.BALs(); err == nil {
		for _, b := range old {
			if !keep[b.Address] {
				_ = st.DeleteBAL(b.Address)
			}
		}
	}
	return activeFirst(out)
}

// activeFirst orders the BALs PER, ORG, APP and drops inactive ones.
func activeFirst(bals []store.BAL) []store.BAL {
	rank := map[string]int{app.KindPER: 0, app.KindORG: 1, app.KindAPP: 2}
	var out []store.BAL
	for _, k := range []int{0, 1, 2, 3} {
		for _, b := range bals {
			r, ok := rank[b.Kind]
			if !ok {
				r = 3
			}
			if r == k && (b.Status == "" || b.Status == provisioning.StatusActive) {
				out = append(out, b)
			}
		}
	}
	return out
}
