package psc

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"
)

// Grant types.
const (
	grantCode    = "authorization_code"
	grantRefresh = "refresh_token"
	// GrantCIBA is CIBA's grant type at the token endpoint.
	GrantCIBA = "urn:openid:params:grant-type:ciba"
)

// oauthError is an RFC 6749 §5.2 error.
type oauthError struct {
	status int
	Code   string `json:"error"`
	Desc   string `json:"error_description,omitempty"`
}

func errInvalidGrant(desc string) *oauthError {
	return &oauthError{status: http.StatusBadRequest, Code: "invalid_grant", Desc: desc}
}

func errInvalidRequest(desc string) *oauthError {
	return &oauthError{status: http.StatusBadRequest, Code: "invalid_request", Desc: desc}
}

func errServer(err error) *oauthError {
	return &oauthError{status: http.StatusInternalServerError, Code: "server_error", Desc: err.Error()}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeOAuthErr(w http.ResponseWriter, e *oauthError) {
	if e.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="esante-wallet"`)
	}
	writeJSON(w, e.status, e)
}

// authClient checks HTTP Basic client authentication (RFC 6749 §2.3.1: the id and secret
// are form-encoded before Basic). PSC's CIBA accepts only Basic; so does the sandbox.
func (p *Provider) authClient(r *http.Request) (Client, *oauthError) {
	id, secret, ok := r.BasicAuth()
	bad := &oauthError{status: http.StatusUnauthorized, Code: "invalid_client", Desc: "Client authentication failed"}
	if !ok {
		return Client{}, bad
	}
	if v, err := url.QueryUnescape(id); err == nil {
		id = v
	}
	if v, err := url.QueryUnescape(secret); err == nil {
		secret = v
	}
	p.mu.Lock()
	c, known := p.clients[id]
	p.mu.Unlock()
	if !known || subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
		return Client{}, bad
	}
	return c, nil
}

func (p *Provider) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                     p.Issuer(),
		"authorization_endpoint":                     p.endpoint("auth"),
		"token_endpoint":                             p.endpoint("token"),
		"userinfo_endpoint":                          p.endpoint("userinfo"),
		"introspection_endpoint":                     p.endpoint("token/introspect"),
		"revocation_endpoint":                        p.endpoint("revoke"),
		"jwks_uri":                                   p.endpoint("certs"),
		"backchannel_authentication_endpoint":        p.endpoint("ext/ciba/auth"),
		"backchannel_token_delivery_modes_supported": []string{"poll"},
		"backchannel_user_code_parameter_supported":  false,
		"grant_types_supported":                      []string{grantCode, grantRefresh, GrantCIBA},
		"response_types_supported":                   []string{"code"},
		"subject_types_supported":                    []string{"public"},
		"id_token_signing_alg_values_supported":      []string{"RS256"},
		"token_endpoint_auth_methods_supported":      []string{"client_secret_basic"},
		"code_challenge_methods_supported":           []string{"S256"},
		"scopes_supported":                           []string{"openid", "scope_all"},
		"claims_supported": []string{"sub", "preferred_username", "SubjectNameID", "given_name", "family_name",
			"SubjectRefPro", "codeCivilite"},
		"acr_values_supported": []string{"eidas1"},
	})
}

func (p *Provider) serveJWKS(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key: &p.key.PublicKey, KeyID: p.kid, Algorithm: string(jose.RS256), Use: "sig",
	}}})
}

func (p *Provider) serveToken(w http.ResponseWriter, r *http.Request) {
	c, oe := p.authClient(r)
	if oe != nil {
		writeOAuthErr(w, oe)
		return
	}
	if err := r.ParseForm(); err != nil {
		writeOAuthErr(w, errInvalidRequest("Unreadable form"))
		return
	}
	var resp tokenResponse
	switch r.PostForm.Get("grant_type") {
	case grantCode:
		resp, oe = p.exchangeCode(c, r.PostForm.Get("code"), r.PostForm.Get("redirect_uri"), r.PostForm.Get("code_verifier"))
	case grantRefresh:
		p.mu.Lock()
		resp, oe = p.refreshLocked(r.PostForm.Get("refresh_token"), c.ID)
		p.mu.Unlock()
	case GrantCIBA:
		resp, oe = p.pollCIBA(c, r.PostForm.Get("auth_req_id"))
	default:
		oe = &oauthError{status: http.StatusBadRequest, Code: "unsupported_grant_type"}
	}
	if oe != nil {
		p.log.Info("psc: token refused", "client", c.ID, "grant", r.PostForm.Get("grant_type"), "error", oe.Code)
		writeOAuthErr(w, oe)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (p *Provider) exchangeCode(c Client, code, redirect, verifier string) (tokenResponse, *oauthError) {
	p.mu.Lock()
	defer p.mu.Unlock()
	g, ok := p.codes[code]
	if !ok {
		return tokenResponse{}, errInvalidGrant("Code not valid")
	}
	delete(p.codes, code) // single use
	switch {
	case g.client != c.ID:
		return tokenResponse{}, errInvalidGrant("Code issued to another client")
	case !p.opts.Now().Before(g.expires):
		return tokenResponse{}, errInvalidGrant("Code expired")
	case g.redirect != redirect:
		return tokenResponse{}, errInvalidGrant("Incorrect redirect_uri")
	case verifier == "" || subtle.ConstantTimeCompare([]byte(oauth2.S256ChallengeFromVerifier(verifier)), []byte(g.pkce)) != 1:
		return tokenResponse{}, errInvalidGrant("PKCE verification failed")
	}
	resp, err := p.issueLocked(g, true)
	if err != nil {
		return tokenResponse{}, errServer(err)
	}
	return resp, nil
}

// bearer returns the access token of an Authorization: Bearer header.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

func (p *Provider) serveUserinfo(w http.ResponseWriter, r *http.Request) {
	claims, err := p.VerifyAccessToken(r.Context(), bearer(r), "")
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, &oauthError{Code: "invalid_token", Desc: "Token verification failed"})
		return
	}
	p.mu.Lock()
	u, ok := p.users[claims.PreferredUsername]
	p.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusUnauthorized, &oauthError{Code: "invalid_token", Desc: "Unknown user"})
		return
	}
	writeJSON(w, http.StatusOK, u.userinfo())
}

// serveIntrospect is RFC 7662 for confidential clients (Basic).
func (p *Provider) serveIntrospect(w http.ResponseWriter, r *http.Request) {
	if _, oe := p.authClient(r); oe != nil {
		writeOAuthErr(w, oe)
		return
	}
	_ = r.ParseForm()
	claims, err := p.VerifyAccessToken(r.Context(), r.PostForm.Get("token"), "")
	if err != nil {
		writeJSON(w, http.StatusOK, map[string]any{"active": false})
		return
	}
	p.mu.Lock()
	s := p.sessions[claims.SessionID]
	active := s != nil && !s.ended
	p.mu.Unlock()
	if !active {
		writeJSON(w, http.StatusOK, map[string]any{"active": false})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"active": true, "scope": claims.Scope, "client_id": claims.AuthorizedParty, "token_type": "Bearer",
		"exp": claims.Expiry.Time().Unix(), "iat": claims.IssuedAt.Time().Unix(), "sub": claims.Subject,
		"aud": claims.Audience, "iss": claims.Issuer, "azp": claims.AuthorizedParty,
		"preferred_username": claims.PreferredUsername, "SubjectNameID": claims.SubjectNameID,
	})
}

// serveRevoke is RFC 7009 for refresh tokens: the session ends with it.
func (p *Provider) serveRevoke(w http.ResponseWriter, r *http.Request) {
	c, oe := p.authClient(r)
	if oe != nil {
		writeOAuthErr(w, oe)
		return
	}
	_ = r.ParseForm()
	p.mu.Lock()
	if g, ok := p.refresh[r.PostForm.Get("token")]; ok && g.client == c.ID {
		delete(p.refresh, r.PostForm.Get("token"))
		g.session.ended, g.session.endReason = true, "logged out"
	}
	p.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}
