package pscgateway

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// CIBAStart is the body of POST /v1/ciba.
type CIBAStart struct {
	NationalID     string `json:"national_id"`
	BindingMessage string `json:"binding_message,omitempty"`
}

// CIBAStarted is its answer (PSC's, unchanged).
type CIBAStarted struct {
	AuthReqID string `json:"auth_req_id"`
	ExpiresIn int    `json:"expires_in"`
	Interval  int    `json:"interval"`
}

// CIBAPoll is the body of POST /v1/ciba/token.
type CIBAPoll struct {
	AuthReqID string `json:"auth_req_id"`
}

func (g *Gateway) serveCIBAStart(w http.ResponseWriter, r *http.Request) {
	var in CIBAStart
	if !readJSON(w, r, &in) {
		return
	}
	in.NationalID = strings.TrimSpace(in.NationalID)
	if in.NationalID == "" {
		writeErr(w, http.StatusBadRequest, "invalid_request", "national_id is required")
		return
	}
	e, err := g.endpoints(r.Context())
	if err != nil {
		g.unavailable(w, err)
		return
	}
	form := url.Values{"scope": {strings.Join(Scopes, " ")}, "login_hint": {in.NationalID}}
	if in.BindingMessage != "" {
		form.Set("binding_message", in.BindingMessage)
	}
	status, body, err := g.pscForm(r.Context(), e.Backchannel, form)
	if err != nil {
		g.unavailable(w, err)
		return
	}
	if status != http.StatusOK {
		code, desc, err := pscError(status, body)
		if err != nil {
			g.unavailable(w, err)
			return
		}
		g.relay(w, code, desc)
		return
	}
	var out CIBAStarted
	if err := json.Unmarshal(body, &out); err != nil || out.AuthReqID == "" || out.ExpiresIn <= 0 {
		g.unavailable(w, err)
		return
	}
	if out.Interval <= 0 {
		out.Interval = 5 // CIBA §7.3: the client's default
	}
	writeJSON(w, http.StatusOK, out)
}

func (g *Gateway) serveCIBAToken(w http.ResponseWriter, r *http.Request) {
	var in CIBAPoll
	if !readJSON(w, r, &in) {
		return
	}
	if in.AuthReqID == "" {
		writeErr(w, http.StatusBadRequest, "invalid_request", "auth_req_id is required")
		return
	}
	e, err := g.endpoints(r.Context())
	if err != nil {
		g.unavailable(w, err)
		return
	}
	status, body, err := g.pscForm(r.Context(), e.TokenURL, url.Values{
		"grant_type": {"urn:openid:params:grant-type:ciba"}, "auth_req_id": {in.AuthReqID}})
	if err != nil {
		g.unavailable(w, err)
		return
	}
	if status != http.StatusOK {
		code, desc, err := pscError(status, body)
		if err != nil {
			g.unavailable(w, err)
			return
		}
		g.relay(w, code, desc)
		return
	}
	var ts TokenSet
	if err := json.Unmarshal(body, &ts); err != nil || ts.AccessToken == "" {
		g.unavailable(w, err)
		return
	}
	ts.TokenType = "Bearer"
	ts.Userinfo = nil
	if err := g.withUserinfo(r.Context(), e, &ts); err != nil {
		g.unavailable(w, err)
		return
	}
	g.log.Info("psc-gateway: e-CPS login")
	writeJSON(w, http.StatusOK, ts)
}
