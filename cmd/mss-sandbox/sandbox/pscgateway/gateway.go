package pscgateway

import (
	"context"
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
	"golang.org/x/oauth2"
)

// DiscoverySuffix is PSC's non-standard discovery path under its issuer.
const DiscoverySuffix = "/.well-known/wallet-openid-configuration"

// Scopes the gateway asks PSC for.
var Scopes = []string{"openid", "scope_all"}

// Config configures New.
type Config struct {
	// DiscoveryURL is PSC's discovery document: issuer + DiscoverySuffix.
	DiscoveryURL string
	// ClientID and ClientSecret are the gateway's PSC credentials.
	ClientID, ClientSecret string
	// BaseURL is where Comptoir and browsers reach the gateway (https://host:port); the PSC
	// redirect URI is BaseURL + "/v1/browser/callback".
	BaseURL string
	// HTTPClient reaches PSC (its TLS trust); default http.DefaultClient.
	HTTPClient *http.Client
	Logger     *slog.Logger
	Now        func() time.Time
}

// Gateway serves the API (Handler).
type Gateway struct {
	cfg Config
	log *slog.Logger

	mu       sync.Mutex
	psc      *pscEndpoints
	jwks     []byte
	jwksAt   time.Time
	browser  map[string]*browserTxn // by the state sent to PSC
	handoffs map[string]*handoff    // by the one-time code given to Comptoir
}

// pscEndpoints is what the gateway learnt from the discovery document.
type pscEndpoints struct {
	oidc.ProviderConfig
	Backchannel string `json:"backchannel_authentication_endpoint"`
	Revocation  string `json:"revocation_endpoint"`

	provider *oidc.Provider
	oauth    oauth2.Config
}

// New prepares a gateway; PSC's discovery document is read at first use.
func New(cfg Config) (*Gateway, error) {
	if cfg.DiscoveryURL == "" || cfg.ClientID == "" || cfg.BaseURL == "" {
		return nil, errors.New("pscgateway: DiscoveryURL, ClientID and BaseURL are required")
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Gateway{cfg: cfg, log: cfg.Logger.With("component", "psc-gateway"),
		browser: map[string]*browserTxn{}, handoffs: map[string]*handoff{}}, nil
}

// CallbackURL is the redirect URI to register at PSC for the gateway.
func (g *Gateway) CallbackURL() string { return g.cfg.BaseURL + "/v1/browser/callback" }

// ClientID is the gateway's PSC client id (the audience of the access tokens).
func (g *Gateway) ClientID() string { return g.cfg.ClientID }

// Handler serves the gateway API.
func (g *Gateway) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/config", g.serveConfig)
	mux.HandleFunc("GET /v1/jwks", g.serveJWKS)
	mux.HandleFunc("POST /v1/ciba", g.serveCIBAStart)
	mux.HandleFunc("POST /v1/ciba/token", g.serveCIBAToken)
	mux.HandleFunc("GET /v1/browser/start", g.serveBrowserStart)
	mux.HandleFunc("GET /v1/browser/callback", g.serveBrowserCallback)
	mux.HandleFunc("POST /v1/browser/token", g.serveBrowserToken)
	mux.HandleFunc("POST /v1/refresh", g.serveRefresh)
	mux.HandleFunc("POST /v1/logout", g.serveLogout)
	return mux
}

// ctx carries the gateway's HTTP client to x/oauth2 and go-oidc.
func (g *Gateway) ctx(ctx context.Context) context.Context {
	return oidc.ClientContext(context.WithValue(ctx, oauth2.HTTPClient, g.cfg.HTTPClient), g.cfg.HTTPClient)
}

// endpoints reads PSC's discovery document once (again after a failure).
func (g *Gateway) endpoints(ctx context.Context) (*pscEndpoints, error) {
	g.mu.Lock()
	e := g.psc
	g.mu.Unlock()
	if e != nil {
		return e, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.cfg.DiscoveryURL, nil)
	if err != nil {
		return nil, fmt.Errorf("pscgateway: discovery: %w", err)
	}
	resp, err := g.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("pscgateway: discovery: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("pscgateway: discovery: HTTP %s", resp.Status)
	}
	e = &pscEndpoints{}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(e); err != nil {
		return nil, fmt.Errorf("pscgateway: discovery: %w", err)
	}
	// The issuer must be where the document was found (OIDC Discovery §4.3, with PSC's path).
	if e.IssuerURL+DiscoverySuffix != g.cfg.DiscoveryURL {
		return nil, fmt.Errorf("pscgateway: discovery: issuer %q does not match %s", e.IssuerURL, g.cfg.DiscoveryURL)
	}
	if e.TokenURL == "" || e.AuthURL == "" || e.JWKSURL == "" || e.Backchannel == "" {
		return nil, errors.New("pscgateway: discovery: endpoints missing (token, authorization, jwks, backchannel)")
	}
	e.provider = e.ProviderConfig.NewProvider(g.ctx(context.Background()))
	e.oauth = oauth2.Config{ClientID: g.cfg.ClientID, ClientSecret: g.cfg.ClientSecret, RedirectURL: g.CallbackURL(),
		Scopes: Scopes, Endpoint: oauth2.Endpoint{AuthURL: e.AuthURL, TokenURL: e.TokenURL, AuthStyle: oauth2.AuthStyleInHeader}}
	g.mu.Lock()
	g.psc = e
	g.mu.Unlock()
	return e, nil
}

// PublicConfig is the answer to GET /v1/config.
type PublicConfig struct {
	Issuer   string `json:"issuer"`
	ClientID string `json:"client_id"`
	Scope    string `json:"scope"`
	JWKSURI  string `json:"jwks_uri"`
}

func (g *Gateway) serveConfig(w http.ResponseWriter, r *http.Request) {
	e, err := g.endpoints(r.Context())
	if err != nil {
		g.unavailable(w, err)
		return
	}
	writeJSON(w, http.StatusOK, PublicConfig{Issuer: e.IssuerURL, ClientID: g.cfg.ClientID,
		Scope: strings.Join(Scopes, " "), JWKSURI: g.cfg.BaseURL + "/v1/jwks"})
}

// serveJWKS relays PSC's keys (cached one minute) so that Comptoir never reaches PSC.
func (g *Gateway) serveJWKS(w http.ResponseWriter, r *http.Request) {
	e, err := g.endpoints(r.Context())
	if err != nil {
		g.unavailable(w, err)
		return
	}
	g.mu.Lock()
	body, fresh := g.jwks, g.cfg.Now().Sub(g.jwksAt) < time.Minute
	g.mu.Unlock()
	if !fresh {
		req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, e.JWKSURL, nil)
		resp, err := g.cfg.HTTPClient.Do(req)
		if err != nil {
			g.unavailable(w, err)
			return
		}
		body, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || !json.Valid(body) {
			g.unavailable(w, fmt.Errorf("JWKS: HTTP %d: %v", resp.StatusCode, err))
			return
		}
		g.mu.Lock()
		g.jwks, g.jwksAt = body, g.cfg.Now()
		g.mu.Unlock()
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}
