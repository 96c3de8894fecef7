package pscgateway

import (
	"net/http"
	"net/url"
	"time"

	"golang.org/x/oauth2"
)

// RefreshRequest is the body of POST /v1/refresh and POST /v1/logout.
type RefreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

// serveRefresh exchanges Comptoir's refresh token at PSC. invalid_grant means the PSC
// session is over: Comptoir ends its session.
func (g *Gateway) serveRefresh(w http.ResponseWriter, r *http.Request) {
	var in RefreshRequest
	if !readJSON(w, r, &in) {
		return
	}
	if in.RefreshToken == "" {
		writeErr(w, http.StatusBadRequest, "invalid_request", "refresh_token is required")
		return
	}
	e, err := g.endpoints(r.Context())
	if err != nil {
		g.unavailable(w, err)
		return
	}
	// An already expired token makes x/oauth2 refresh at once.
	old := &oauth2.Token{RefreshToken: in.RefreshToken, Expiry: time.Unix(1, 0)}
	tok, err := e.oauth.TokenSource(g.ctx(r.Context()), old).Token()
	if err != nil {
		g.relayErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, g.fromOAuth2(tok))
}

// serveLogout revokes the refresh token at PSC (RFC 7009), which ends the PSC session.
func (g *Gateway) serveLogout(w http.ResponseWriter, r *http.Request) {
	var in RefreshRequest
	if !readJSON(w, r, &in) {
		return
	}
	e, err := g.endpoints(r.Context())
	if err != nil {
		g.unavailable(w, err)
		return
	}
	if e.Revocation != "" && in.RefreshToken != "" {
		status, _, err := g.pscForm(r.Context(), e.Revocation, url.Values{"token": {in.RefreshToken}, "token_type_hint": {"refresh_token"}})
		if err != nil || status != http.StatusOK {
			g.log.Warn("psc-gateway: revocation failed", "status", status, "err", err)
		}
	}
	w.WriteHeader(http.StatusNoContent)
}
