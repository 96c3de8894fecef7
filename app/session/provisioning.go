package session

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"comptoir/mail/provisioning"
)

// ErrNeedsCard: BAL creation and roles are signed and authenticated with a CPS card
// (« la création d'une BAL demande la carte CPS »); so is the BAL listing, the operator's
// API authenticating by client certificate only.
var ErrNeedsCard = errors.New("session: this action needs the CPS card")

// ErrNoAPI: the configuration names no provisioning API.
var ErrNoAPI = errors.New("session: no provisioning API configured")

// provisioning is the session's API client, created on first use and kept (each new TLS
// handshake costs a card signature) until Lock drops its connections. The API authenticates
// by client certificate: a Pro Santé Connect session has none (ErrNeedsCard).
func (s *Session) provisioning() (*provisioning.Client, error) {
	if s.cfg.APIURL == "" {
		return nil, ErrNoAPI
	}
	if _, ok := s.cred.(PSCCredential); ok {
		return nil, ErrNeedsCard
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if s.prov != nil {
		return s.prov, nil
	}
	cl, err := provisioning.New(provisioning.Config{BaseURL: s.cfg.APIURL, Certificate: s.cred.tlsCertificate(),
		Trust: s.cfg.Servers.Trust, RootCAs: s.cfg.Servers.RootCAs, MaxTLS: s.cred.maxTLS(), Timeout: s.cfg.APITimeout})
	if err != nil {
		return nil, fmt.Errorf("session: provisioning client: %w", err)
	}
	s.prov = cl
	return cl, nil
}

// cardClient is the API client for actions only a card may take.
func (s *Session) cardClient() (*provisioning.Client, CardCredential, error) {
	c, ok := s.cred.(CardCredential)
	if !ok {
		return nil, CardCredential{}, ErrNeedsCard
	}
	if err := s.check(); err != nil {
		return nil, c, err
	}
	cl, err := s.provisioning()
	return cl, c, err
}

// callAPI runs f with a context that Lock also ends: a request in flight when the session
// locks is abandoned and its connection closed, rather than finished in the holder's name.
func (s *Session) callAPI(ctx context.Context, f func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(s.ctx, cancel)
	defer stop()
	err := f(ctx)
	if err != nil && s.ctx.Err() != nil {
		return fmt.Errorf("%w: %w", ErrClosed, err)
	}
	return err
}

// Domain is the operator's mail domain.
func (s *Session) Domain() string { return s.cfg.Servers.Domain }

// CGU is the operator's current terms of use.
func (s *Session) CGU(ctx context.Context) (provisioning.CGU, error) {
	cl, _, err := s.cardClient()
	if err != nil {
		return provisioning.CGU{}, err
	}
	var c provisioning.CGU
	err = s.callAPI(ctx, func(ctx context.Context) (err error) {
		c, err = cl.CGU(ctx)
		return err
	})
	return c, err
}

// Listing is what the operator lists for the holder, pending BALs included (the wizard).
func (s *Session) Listing(ctx context.Context) ([]provisioning.BAL, error) {
	cl, _, err := s.cardClient()
	if err != nil {
		return nil, err
	}
	var list []provisioning.BAL
	if err := s.callAPI(ctx, func(ctx context.Context) (err error) {
		list, err = cl.BALs(ctx)
		return err
	}); err != nil {
		return nil, err
	}
	s.applyListing(list)
	return list, nil
}

// CreateBAL asks the operator for a BAL, the request signed with the card's signature key;
// the BAL comes back pending and the session watches it until the operator activates it
// (mail.BALAdded). appCert is the structure certificate of an APP BAL (nil otherwise): it is
// kept sealed in the cache, the BAL being opened with it, never with the card.
func (s *Session) CreateBAL(ctx context.Context, req provisioning.CreateRequest, appCert *provisioning.OrgCertificate) (provisioning.BAL, error) {
	cl, card, err := s.cardClient()
	if err != nil {
		return provisioning.BAL{}, err
	}
	signer, cert := card.Card.DocumentSigner(), card.Card.SignatureCertificate()
	if signer == nil || cert == nil {
		return provisioning.BAL{}, errors.New("session: the card has no signature key")
	}
	req.HolderID = s.id.NationalID
	if appCert != nil {
		req.AppCertificate = appCert.ChainPEM()
	}
	var b provisioning.BAL
	err = s.callAPI(ctx, func(ctx context.Context) (err error) {
		b, err = cl.CreateBAL(ctx, req, signer, cert)
		return err
	})
	if err != nil {
		return b, err
	}
	if appCert != nil {
		if err := s.keepAppCertificate(b.Address, appCert); err != nil {
			return b, err
		}
	}
	s.applyListing(append(s.listedNow(), b))
	s.watch(b.Address)
	return b, nil
}

// ErrCheckUnsupported: the operator offers no way to check a request before it is signed
// (no POST /v1/bals/check); the request is checked when it is sent.
var ErrCheckUnsupported = errors.New("session: the operator cannot check a request beforehand")

// CheckBAL asks the operator whether req would be accepted now (the address free, no
// equivalent BAL), without signing it: the wizard checks the address at the step where it is
// chosen. Refusals are the *provisioning.Error creation would give.
func (s *Session) CheckBAL(ctx context.Context, req provisioning.CreateRequest, appCert *provisioning.OrgCertificate) (provisioning.Check, error) {
	cl, _, err := s.cardClient()
	if err != nil {
		return provisioning.Check{}, err
	}
	req.HolderID = s.id.NationalID
	if appCert != nil {
		req.AppCertificate = appCert.ChainPEM()
	}
	c, err := cl.Check(ctx, req)
	var pe *provisioning.Error
	if errors.As(err, &pe) && (pe.Status == http.StatusNotFound || pe.Status == http.StatusMethodNotAllowed) {
		return c, ErrCheckUnsupported
	}
	return c, err
}

// listedNow is the session's BAL list as the operator would give it (retired ones left out).
func (s *Session) listedNow() []provisioning.BAL {
	var out []provisioning.BAL
	for _, b := range s.BALs() {
		if b.Status == StatusRetired {
			continue
		}
		out = append(out, provisioning.BAL{Address: b.Address, Kind: b.Kind, DisplayName: b.DisplayName,
			Role: b.Role, Status: b.Status, ActiveAt: b.ActiveAt})
	}
	return out
}

// WaitActive polls the operator until the BAL is active, from its announced activation time
// and backing off (PendingPollMin to PendingPollMax), then adds it to the session (the
// engine emits mail.BALAdded). Both the wizard and `comptoir bal create --attendre` use it.
func (s *Session) WaitActive(ctx context.Context, address string) (provisioning.BAL, error) {
	cl, _, err := s.cardClient()
	if err != nil {
		if !errors.Is(err, ErrNeedsCard) {
			return provisioning.BAL{}, err
		}
		if cl, err = s.provisioning(); err != nil {
			return provisioning.BAL{}, err
		}
	}
	wait := time.Duration(0)
	if b, ok := s.BAL(address); ok {
		wait = b.ActiveAt.Sub(s.cfg.Now())
	}
	for {
		wait = min(max(wait, s.cfg.PendingPollMin), s.cfg.PendingPollMax)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return provisioning.BAL{}, ctx.Err()
		case <-t.C:
		}
		wait *= 2
		cctx, cancel := context.WithTimeout(ctx, s.cfg.APITimeout)
		b, err := cl.BAL(cctx, address)
		cancel()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, ErrClosed) {
				return provisioning.BAL{}, err
			}
			s.cfg.Logger.Warn("poll pending BAL", "bal", address, "err", err)
			continue
		}
		if b.Status == StatusActive {
			s.applyListing(append(s.listedWithout(address), b))
			return b, nil
		}
	}
}

func (s *Session) listedWithout(address string) []provisioning.BAL {
	var out []provisioning.BAL
	for _, b := range s.listedNow() {
		if b.Address != address {
			out = append(out, b)
		}
	}
	return out
}

// watchPending resumes, after a login, the watch of the BALs still waiting for validation.
func (s *Session) watchPending() {
	for _, b := range s.BALs() {
		if b.Status != StatusPending {
			continue
		}
		s.watch(b.Address)
	}
}

// watch waits in the background for a pending BAL to become active, once per BAL however
// many times it is asked (a request and the watch resumed at login may both ask).
func (s *Session) watch(address string) {
	s.mu.Lock()
	if s.watched == nil {
		s.watched = map[string]bool{}
	}
	if s.closed || s.watched[address] {
		s.mu.Unlock()
		return
	}
	s.watched[address] = true
	s.bg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.bg.Done()
		if _, err := s.WaitActive(s.ctx, address); err != nil && s.ctx.Err() == nil {
			s.cfg.Logger.Warn("watch pending BAL", "err", err)
		}
	}()
}

// Members is who has a role on an ORG BAL and what the caller may do.
func (s *Session) Members(ctx context.Context, address string) (provisioning.Members, error) {
	cl, _, err := s.cardClient()
	if err != nil {
		return provisioning.Members{}, err
	}
	var m provisioning.Members
	err = s.callAPI(ctx, func(ctx context.Context) (err error) {
		m, err = cl.Members(ctx, address)
		return err
	})
	return m, err
}

// SetMember gives a role on an ORG BAL.
func (s *Session) SetMember(ctx context.Context, address, nationalID, role, name string) error {
	cl, _, err := s.cardClient()
	if err != nil {
		return err
	}
	return s.callAPI(ctx, func(ctx context.Context) error {
		_, err := cl.SetMember(ctx, address, nationalID, role, name)
		return err
	})
}

// RemoveMember withdraws a role on an ORG BAL.
func (s *Session) RemoveMember(ctx context.Context, address, nationalID string) error {
	cl, _, err := s.cardClient()
	if err != nil {
		return err
	}
	return s.callAPI(ctx, func(ctx context.Context) error { return cl.RemoveMember(ctx, address, nationalID) })
}
