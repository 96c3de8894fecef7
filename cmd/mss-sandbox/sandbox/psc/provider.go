package psc

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// RealmPath is where PSC's issuer lives on its host.
const RealmPath = "/auth/realms/esante-wallet"

// DiscoveryPath is PSC's non-standard discovery path under the issuer.
const DiscoveryPath = "/.well-known/wallet-openid-configuration"

// Scopes are the scopes PSC integrations ask for.
const Scopes = "openid scope_all"

// Defaults of Options.
const (
	DefaultAccessTTL    = 2 * time.Minute
	DefaultSessionTTL   = 10 * time.Hour
	DefaultCIBAExpiry   = 2 * time.Minute
	DefaultCIBAInterval = 2 * time.Second
	defaultCodeTTL      = time.Minute
)

// Client is a registered relying party (the operator's intermediate server).
type Client struct {
	ID           string
	Secret       string
	RedirectURIs []string // exact match
}

// Options configure New.
type Options struct {
	// BaseURL is the scheme and host the provider is reached at ("https://127.0.0.1:1234");
	// the issuer is BaseURL + RealmPath.
	BaseURL string
	Users   []User
	Clients []Client
	// AccessTTL is the access and ID tokens' lifetime (default 2 min).
	AccessTTL time.Duration
	// SessionTTL bounds a login: refresh is refused after it (default 10 h).
	SessionTTL time.Duration
	// CIBAExpiry is a CIBA request's lifetime (expires_in, default 2 min); CIBAInterval the
	// polling interval it announces (default 2 s).
	CIBAExpiry, CIBAInterval time.Duration
	Logger                   *slog.Logger
	Now                      func() time.Time // default time.Now
}

// Provider is a running PSC stand-in; Handler serves it.
type Provider struct {
	opts   Options
	log    *slog.Logger
	key    *rsa.PrivateKey
	kid    string
	signer jose.Signer

	mu       sync.Mutex
	users    map[string]User   // by national id
	clients  map[string]Client // by id
	codes    map[string]*grant // authorization codes
	refresh  map[string]*grant // refresh tokens
	sessions map[string]*session
	ciba     map[string]*cibaRequest
	txns     map[string]*authzTxn // authorization requests waiting for the approval page
	notify   chan struct{}        // closed and replaced when a CIBA request is created
}

// session is one login: refresh tokens die with it.
type session struct {
	id        string
	user      string
	started   time.Time
	expires   time.Time
	ended     bool
	endReason string
}

// grant is what a code or a refresh token stands for.
type grant struct {
	session  *session
	client   string
	scope    string
	nonce    string
	expires  time.Time // codes only
	redirect string    // codes only
	pkce     string    // codes only: the S256 challenge
	authTime time.Time
}

// New creates a provider with a fresh RS256 signing key.
func New(opts Options) (*Provider, error) {
	if opts.BaseURL == "" {
		return nil, errors.New("psc: Options.BaseURL is required")
	}
	opts.BaseURL = strings.TrimSuffix(opts.BaseURL, "/")
	if opts.AccessTTL == 0 {
		opts.AccessTTL = DefaultAccessTTL
	}
	if opts.SessionTTL == 0 {
		opts.SessionTTL = DefaultSessionTTL
	}
	if opts.CIBAExpiry == 0 {
		opts.CIBAExpiry = DefaultCIBAExpiry
	}
	if opts.CIBAInterval == 0 {
		opts.CIBAInterval = DefaultCIBAInterval
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("psc: signing key: %w", err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	sum := sha256.Sum256(der)
	kid := base64.RawURLEncoding.EncodeToString(sum[:12])
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		return nil, fmt.Errorf("psc: signer: %w", err)
	}
	p := &Provider{opts: opts, log: opts.Logger.With("component", "psc"), key: key, kid: kid, signer: signer,
		users: map[string]User{}, clients: map[string]Client{}, codes: map[string]*grant{},
		refresh: map[string]*grant{}, sessions: map[string]*session{}, ciba: map[string]*cibaRequest{},
		txns: map[string]*authzTxn{}, notify: make(chan struct{})}
	for _, u := range opts.Users {
		p.users[u.NationalID] = u
	}
	for _, c := range opts.Clients {
		p.clients[c.ID] = c
	}
	return p, nil
}

// Issuer is the issuer URL (iss of every token).
func (p *Provider) Issuer() string { return p.opts.BaseURL + RealmPath }

// DiscoveryURL is the discovery document's URL (PSC's non-standard path).
func (p *Provider) DiscoveryURL() string { return p.Issuer() + DiscoveryPath }

func (p *Provider) endpoint(name string) string {
	return p.Issuer() + "/protocol/openid-connect/" + name
}

// KeyID is the kid of the signing key.
func (p *Provider) KeyID() string { return p.kid }

// PublicKeyPEM is the signing key's public half (PKIX PEM), for servers that validate
// tokens locally (Dovecot's oauth2 passdb).
func (p *Provider) PublicKeyPEM() []byte {
	der, _ := x509.MarshalPKIXPublicKey(&p.key.PublicKey)
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// AddUser adds or replaces a known professional.
func (p *Provider) AddUser(u User) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.users[u.NationalID] = u
}

// AddClient registers or replaces a relying party.
func (p *Provider) AddClient(c Client) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clients[c.ID] = c
}

// EndSessions ends every session of a professional (as when they log out of the e-CPS app):
// their refresh tokens are refused from now on. It returns how many sessions ended.
func (p *Provider) EndSessions(nationalID, reason string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, s := range p.sessions {
		if s.user == nationalID && !s.ended {
			s.ended, s.endReason = true, reason
			n++
		}
	}
	return n
}

// Handler serves the provider's endpoints and the sandbox control endpoints.
func (p *Provider) Handler() http.Handler {
	mux := http.NewServeMux()
	realm := RealmPath
	oc := realm + "/protocol/openid-connect/"
	mux.HandleFunc("GET "+realm+DiscoveryPath, p.serveDiscovery)
	mux.HandleFunc("GET "+oc+"certs", p.serveJWKS)
	mux.HandleFunc("GET "+oc+"auth", p.serveAuthorize)
	mux.HandleFunc("POST "+oc+"auth/decide", p.serveDecide)
	mux.HandleFunc("POST "+oc+"token", p.serveToken)
	mux.HandleFunc("POST "+oc+"ext/ciba/auth", p.serveBackchannel)
	mux.HandleFunc("GET "+oc+"userinfo", p.serveUserinfo)
	mux.HandleFunc("POST "+oc+"userinfo", p.serveUserinfo)
	mux.HandleFunc("POST "+oc+"token/introspect", p.serveIntrospect)
	mux.HandleFunc("POST "+oc+"revoke", p.serveRevoke)
	mux.HandleFunc("GET /sandbox/ciba", p.serveCIBAList)
	mux.HandleFunc("POST /sandbox/ciba/{id}/approve", p.serveCIBADecision(true))
	mux.HandleFunc("POST /sandbox/ciba/{id}/deny", p.serveCIBADecision(false))
	mux.HandleFunc("POST /sandbox/sessions/{id}/end", p.serveEndSessions)
	return mux
}

func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}
