package pscgateway

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/oauth2"
)

// The browser flow's two legs: Comptoir ⇄ gateway (Comptoir's PKCE, loopback redirect) and
// gateway ⇄ PSC (the gateway's PKCE, its registered callback).

const (
	browserTTL = 10 * time.Minute // time to log in on the page
	handoffTTL = time.Minute      // time for Comptoir to redeem its one-time code
)

type browserTxn struct {
	redirect  string // Comptoir's loopback redirect URI
	challenge string // Comptoir's S256 challenge
	state     string // Comptoir's state
	verifier  string // the gateway's PKCE verifier towards PSC
	expires   time.Time
}

type handoff struct {
	tokens    TokenSet
	redirect  string
	challenge string
	expires   time.Time
}

// BrowserToken is the body of POST /v1/browser/token.
type BrowserToken struct {
	Code         string `json:"code"`
	CodeVerifier string `json:"code_verifier"`
	RedirectURI  string `json:"redirect_uri"`
}

func randomString() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// loopbackRedirect accepts only http://127.0.0.1:PORT/… or http://[::1]:PORT/… (RFC 8252
// §7.3, §8.3): the gateway must not become an open redirector.
func loopbackRedirect(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.User != nil || u.Fragment != "" || u.Port() == "" {
		return false
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}

// serveBrowserStart begins the browser login: Comptoir opens this URL in the browser.
func (g *Gateway) serveBrowserStart(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case !loopbackRedirect(q.Get("redirect_uri")):
		http.Error(w, "redirect_uri must be a loopback http URI with a port (RFC 8252)", http.StatusBadRequest)
		return
	case q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43:
		http.Error(w, "PKCE with S256 is required", http.StatusBadRequest)
		return
	case q.Get("state") == "":
		http.Error(w, "state is required", http.StatusBadRequest)
		return
	}
	e, err := g.endpoints(r.Context())
	if err != nil {
		g.log.Warn("psc-gateway: PSC unavailable", "err", err)
		http.Error(w, "Pro Santé Connect est injoignable, réessayez plus tard.", http.StatusServiceUnavailable)
		return
	}
	t := &browserTxn{redirect: q.Get("redirect_uri"), challenge: q.Get("code_challenge"), state: q.Get("state"),
		verifier: oauth2.GenerateVerifier(), expires: g.cfg.Now().Add(browserTTL)}
	pscState := randomString()
	g.mu.Lock()
	g.gcLocked()
	g.browser[pscState] = t
	g.mu.Unlock()
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(t.verifier)}
	for _, p := range []string{"nonce", "login_hint"} {
		if v := q.Get(p); v != "" {
			opts = append(opts, oauth2.SetAuthURLParam(p, v))
		}
	}
	opts = append(opts, oauth2.SetAuthURLParam("acr_values", "eidas1"))
	http.Redirect(w, r, e.oauth.AuthCodeURL(pscState, opts...), http.StatusFound)
}

// serveBrowserCallback receives PSC's redirect, redeems the code and sends the browser back
// to Comptoir's loopback with a one-time code of the gateway.
func (g *Gateway) serveBrowserCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	g.mu.Lock()
	t, ok := g.browser[q.Get("state")]
	delete(g.browser, q.Get("state"))
	g.mu.Unlock()
	if !ok || !g.cfg.Now().Before(t.expires) {
		http.Error(w, "Demande de connexion inconnue ou expirée : recommencez depuis Comptoir.", http.StatusBadRequest)
		return
	}
	back := func(v url.Values) {
		v.Set("state", t.state)
		u, _ := url.Parse(t.redirect)
		qq := u.Query()
		for k := range v {
			qq.Set(k, v.Get(k))
		}
		u.RawQuery = qq.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	}
	if code := q.Get("error"); code != "" {
		back(url.Values{"error": {code}})
		return
	}
	e, err := g.endpoints(r.Context())
	if err != nil {
		back(url.Values{"error": {"temporarily_unavailable"}})
		return
	}
	tok, err := e.oauth.Exchange(g.ctx(r.Context()), q.Get("code"), oauth2.VerifierOption(t.verifier))
	if err != nil {
		g.log.Warn("psc-gateway: code exchange failed", "err", err)
		back(url.Values{"error": {"access_denied"}})
		return
	}
	ts := g.fromOAuth2(tok)
	if err := g.withUserinfo(r.Context(), e, &ts); err != nil {
		g.log.Warn("psc-gateway: userinfo failed", "err", err)
		back(url.Values{"error": {"temporarily_unavailable"}})
		return
	}
	code := randomString()
	g.mu.Lock()
	g.handoffs[code] = &handoff{tokens: ts, redirect: t.redirect, challenge: t.challenge, expires: g.cfg.Now().Add(handoffTTL)}
	g.mu.Unlock()
	g.log.Info("psc-gateway: browser login")
	back(url.Values{"code": {code}})
}

// serveBrowserToken redeems the one-time code with Comptoir's PKCE verifier.
func (g *Gateway) serveBrowserToken(w http.ResponseWriter, r *http.Request) {
	var in BrowserToken
	if !readJSON(w, r, &in) {
		return
	}
	g.mu.Lock()
	h, ok := g.handoffs[in.Code]
	delete(g.handoffs, in.Code) // single use, even when the verifier is wrong
	g.mu.Unlock()
	switch {
	case !ok || !g.cfg.Now().Before(h.expires):
		writeErr(w, http.StatusBadRequest, "invalid_grant", "Unknown or expired code")
	case h.redirect != in.RedirectURI:
		writeErr(w, http.StatusBadRequest, "invalid_grant", "redirect_uri mismatch")
	case in.CodeVerifier == "" ||
		subtle.ConstantTimeCompare([]byte(oauth2.S256ChallengeFromVerifier(in.CodeVerifier)), []byte(h.challenge)) != 1:
		writeErr(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed")
	default:
		writeJSON(w, http.StatusOK, h.tokens)
	}
}

// gcLocked forgets expired transactions. The caller holds g.mu.
func (g *Gateway) gcLocked() {
	now := g.cfg.Now()
	for k, t := range g.browser {
		if !now.Before(t.expires) {
			delete(g.browser, k)
		}
	}
	for k, h := range g.handoffs {
		if !now.Before(h.expires) {
			delete(g.handoffs, k)
		}
	}
}
