package bridge

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"comptoir/app"
	"comptoir/app/session"
	"comptoir/mail/psc"
	"comptoir/store"
)

// PSCOptions configure the Pro Santé Connect logins.
type PSCOptions struct {
	// GatewayURL is the operator's intermediate server (config.json operator.psc).
	GatewayURL string
	// Session is what a login opens; its Keyring opens the cache, its Servers.RootCAs (the
	// operator's IGC-Santé trust store) check the intermediate server.
	Session session.Config
	// HTTPClient overrides the client of the intermediate server (tests record the tokens
	// it hands out, to look for them on disk).
	HTTPClient *http.Client
}

// PSC implements app.PSC over mail/psc and the session core.
type PSC struct {
	o PSCOptions

	mu     sync.Mutex
	client *psc.Client
}

// NewPSC returns the Pro Santé Connect logins; nothing is sent before the first one.
func NewPSC(o PSCOptions) *PSC { return &PSC{o: o} }

// gateway is the intermediate server's client, made once (it keeps the server's configuration
// and PSC's keys).
func (p *PSC) gateway() (*psc.Client, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.client != nil {
		return p.client, nil
	}
	if p.o.GatewayURL == "" {
		return nil, app.ErrPSCNotConfigured
	}
	c, err := psc.New(p.o.GatewayURL, psc.Options{RootCAs: p.o.Session.Servers.RootCAs, HTTPClient: p.o.HTTPClient,
		Logger: p.o.Session.Logger})
	if err != nil {
		return nil, errors.Join(app.ErrPSCNotConfigured, err)
	}
	p.client = c
	return c, nil
}

// StartECPS sends the e-CPS request once it is known that its success can open a cache here.
func (p *PSC) StartECPS(ctx context.Context, nationalID string) (app.ECPSRequest, error) {
	if err := session.CheckPSC(p.o.Session, nationalID); err != nil {
		return nil, pscError(err)
	}
	c, err := p.gateway()
	if err != nil {
		return nil, err
	}
	pend, err := c.StartECPS(ctx, nationalID, "")
	if err != nil {
		return nil, pscError(err)
	}
	return &ecpsRequest{p: p, pend: pend}, nil
}

type ecpsRequest struct {
	p    *PSC
	pend *psc.Pending
}

func (r *ecpsRequest) Deadline() time.Time { return r.pend.Deadline }

func (r *ecpsRequest) Wait(ctx context.Context) (app.Session, error) {
	ps, err := r.pend.Wait(ctx)
	if err != nil {
		return nil, pscError(err)
	}
	return r.p.open(ctx, ps)
}

// LoginBrowser logs in through PSC's page in the system browser.
func (p *PSC) LoginBrowser(ctx context.Context, hint string, open func(*url.URL) error) (app.Session, error) {
	c, err := p.gateway()
	if err != nil {
		return nil, err
	}
	ps, err := c.LoginBrowser(ctx, hint, func(raw string) error {
		u, err := url.Parse(raw)
		if err != nil {
			return fmt.Errorf("bridge: PSC start URL: %w", err)
		}
		return open(u)
	})
	if err != nil {
		return nil, pscError(err)
	}
	return p.open(ctx, ps)
}

// open opens the session of a professional PSC vouched for; on failure the PSC session is
// logged out (its tokens forgotten at once).
func (p *PSC) open(ctx context.Context, ps *psc.Session) (app.Session, error) {
	s, err := session.Open(ctx, session.PSCCredential{Session: ps}, p.o.Session)
	if err != nil {
		go func() {
			lctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = ps.Close(lctx)
		}()
		return nil, pscError(err)
	}
	s.Start()
	return &Session{s: s}, nil
}

// pscError joins the app's sentinel the screens explain to a login error.
func pscError(err error) error {
	var sentinel error
	switch {
	case errors.Is(err, psc.ErrDenied):
		sentinel = app.ErrECPSDenied
	case errors.Is(err, psc.ErrExpired):
		sentinel = app.ErrECPSExpired
	case errors.Is(err, psc.ErrUnknownUser):
		sentinel = app.ErrECPSUnknownUser
	case errors.Is(err, psc.ErrUnavailable):
		sentinel = app.ErrPSCUnavailable
	case errors.Is(err, psc.ErrSessionEnded):
		sentinel = app.ErrPSCEnded
	case errors.Is(err, store.ErrNotEnrolled), errors.Is(err, store.ErrSecretNotFound):
		sentinel = app.ErrNotEnrolled
	case errors.Is(err, store.ErrKeyringUnavailable):
		sentinel = app.ErrKeyringUnavailable
	default:
		return fmt.Errorf("bridge: Pro Santé Connect login: %w", err)
	}
	return errors.Join(sentinel, err)
}
