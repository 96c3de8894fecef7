package psc

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// Options configure New.
type Options struct {
	// RootCAs is the trust store for the intermediate server's certificate (the operator's
	// IGC-Santé store); required unless HTTPClient is given.
	RootCAs *x509.CertPool
	// HTTPClient overrides the HTTP client (tests).
	HTTPClient *http.Client
	Logger     *slog.Logger
	Now        func() time.Time
}

// Client talks to one intermediate server.
type Client struct {
	base string
	http *http.Client
	log  *slog.Logger
	now  func() time.Time

	mu       sync.Mutex
	cfg      *gatewayConfig
	verifier *oidc.IDTokenVerifier
}

// gatewayConfig is GET /v1/config.
type gatewayConfig struct {
	Issuer   string `json:"issuer"`
	ClientID string `json:"client_id"`
	Scope    string `json:"scope"`
	JWKSURI  string `json:"jwks_uri"`
}

// tokenSet is the intermediate server's token answer.
type tokenSet struct {
	AccessToken  string          `json:"access_token"`
	TokenType    string          `json:"token_type"`
	ExpiresIn    int             `json:"expires_in"`
	RefreshToken string          `json:"refresh_token"`
	IDToken      string          `json:"id_token"`
	Userinfo     json.RawMessage `json:"userinfo"`
}

// apiError is the intermediate server's error body.
type apiError struct {
	Status      int    `json:"-"`
	Code        string `json:"error"`
	Description string `json:"error_description"`
}

func (e *apiError) Error() string {
	if e.Description != "" {
		return fmt.Sprintf("psc: intermediate server: %s (%s)", e.Code, e.Description)
	}
	return fmt.Sprintf("psc: intermediate server: %s (HTTP %d)", e.Code, e.Status)
}

// New prepares a client of the intermediate server at gatewayURL (https://…). Nothing is
// sent before the first login.
func New(gatewayURL string, o Options) (*Client, error) {
	if !strings.HasPrefix(gatewayURL, "https://") {
		return nil, errors.New("psc: the intermediate server's URL must be https")
	}
	hc := o.HTTPClient
	if hc == nil {
		if o.RootCAs == nil {
			return nil, errors.New("psc: no trust store for the intermediate server")
		}
		hc = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: o.RootCAs, MinVersion: tls.VersionTLS12},
			Proxy:           http.ProxyFromEnvironment,
		}}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Client{base: strings.TrimSuffix(gatewayURL, "/"), http: hc, log: o.Logger.With("component", "psc"), now: o.Now}, nil
}

// config reads the intermediate server's PSC configuration once and prepares the ID token
// verifier (keys fetched from the intermediate server, which relays PSC's JWKS).
func (c *Client) config(ctx context.Context) (*gatewayConfig, *oidc.IDTokenVerifier, error) {
	c.mu.Lock()
	cfg, v := c.cfg, c.verifier
	c.mu.Unlock()
	if cfg != nil {
		return cfg, v, nil
	}
	cfg = &gatewayConfig{}
	if err := c.call(ctx, http.MethodGet, "/v1/config", nil, cfg); err != nil {
		return nil, nil, err
	}
	if cfg.Issuer == "" || cfg.ClientID == "" || !strings.HasPrefix(cfg.JWKSURI, "https://") {
		return nil, nil, fmt.Errorf("%w: incomplete configuration from the intermediate server", ErrUnavailable)
	}
	keys := oidc.NewRemoteKeySet(oidc.ClientContext(context.Background(), c.http), cfg.JWKSURI)
	v = oidc.NewVerifier(cfg.Issuer, keys, &oidc.Config{ClientID: cfg.ClientID, SupportedSigningAlgs: []string{oidc.RS256, oidc.PS256, oidc.ES256}, Now: c.now})
	c.mu.Lock()
	c.cfg, c.verifier = cfg, v
	c.mu.Unlock()
	return cfg, v, nil
}

// call sends a JSON request (body may be nil) and decodes a JSON answer into out. Errors:
// *apiError for the server's answers, ErrUnavailable wrapped for transport failures.
func (c *Client) call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("psc: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return fmt.Errorf("psc: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w: %s %s: %v", ErrUnavailable, method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("%w: %s %s: %v", ErrUnavailable, method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		e := &apiError{Status: resp.StatusCode}
		if json.Unmarshal(data, e) != nil || e.Code == "" {
			e.Code = "http_" + resp.Status
		}
		if resp.StatusCode >= 500 {
			return fmt.Errorf("%w: %v", ErrUnavailable, e)
		}
		return e
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%w: %s %s: unreadable answer: %v", ErrUnavailable, method, path, err)
	}
	return nil
}

// apiCode returns the intermediate server's error code, or "".
func apiCode(err error) string {
	var e *apiError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
