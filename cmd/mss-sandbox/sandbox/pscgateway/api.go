package pscgateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// TokenSet is what the gateway hands Comptoir after a login or a refresh.
type TokenSet struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token,omitempty"`
	// Userinfo is PSC's userinfo document, verbatim (logins only, not refreshes).
	Userinfo json.RawMessage `json:"userinfo,omitempty"`
}

// Error is the body of every error answer.
type Error struct {
	Code        string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, Error{Code: code, Description: desc})
}

// unavailable answers when PSC cannot be reached or misbehaves.
func (g *Gateway) unavailable(w http.ResponseWriter, err error) {
	g.log.Warn("psc-gateway: PSC unavailable", "err", err)
	writeErr(w, http.StatusServiceUnavailable, "temporarily_unavailable", "Pro Santé Connect cannot be reached")
}

// relay answers with PSC's OAuth error: the codes a client acts on pass unchanged (400);
// anything else (invalid_client: the gateway's own configuration) is a gateway failure.
func (g *Gateway) relay(w http.ResponseWriter, code, desc string) {
	switch code {
	case "authorization_pending", "slow_down", "access_denied", "expired_token", "invalid_grant",
		"unknown_user_id", "invalid_request", "invalid_scope", "invalid_binding_message":
		writeErr(w, http.StatusBadRequest, code, desc)
	default:
		g.log.Error("psc-gateway: PSC refused the gateway", "error", code)
		writeErr(w, http.StatusBadGateway, "server_error", "Pro Santé Connect refused the gateway")
	}
}

// relayErr answers for an error of x/oauth2.
func (g *Gateway) relayErr(w http.ResponseWriter, err error) {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.ErrorCode != "" {
		g.relay(w, re.ErrorCode, re.ErrorDescription)
		return
	}
	g.unavailable(w, err)
}

// readJSON decodes a small JSON request body.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(v); err != nil {
		writeErr(w, http.StatusBadRequest, "invalid_request", "Unreadable JSON body")
		return false
	}
	return true
}

// pscForm posts a form to PSC with the gateway's Basic credentials (RFC 6749 §2.3.1) and
// returns the status and body.
func (g *Gateway) pscForm(ctx context.Context, endpoint string, form url.Values) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(url.QueryEscape(g.cfg.ClientID), url.QueryEscape(g.cfg.ClientSecret))
	resp, err := g.cfg.HTTPClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, body, nil
}

// pscError reads an RFC 6749 §5.2 error body.
func pscError(status int, body []byte) (code, desc string, err error) {
	var e Error
	if json.Unmarshal(body, &e) != nil || e.Code == "" {
		return "", "", fmt.Errorf("PSC answered HTTP %d without an OAuth error", status)
	}
	return e.Code, e.Description, nil
}

// fromOAuth2 turns an x/oauth2 token into a TokenSet.
func (g *Gateway) fromOAuth2(t *oauth2.Token) TokenSet {
	ts := TokenSet{AccessToken: t.AccessToken, TokenType: "Bearer", RefreshToken: t.RefreshToken}
	if id, ok := t.Extra("id_token").(string); ok {
		ts.IDToken = id
	}
	if !t.Expiry.IsZero() {
		ts.ExpiresIn = max(1, int(t.Expiry.Sub(g.cfg.Now()).Round(time.Second)/time.Second))
	}
	return ts
}

// withUserinfo adds PSC's userinfo to a login's token set.
func (g *Gateway) withUserinfo(ctx context.Context, e *pscEndpoints, ts *TokenSet) error {
	if e.UserInfoURL == "" {
		return nil
	}
	ui, err := e.provider.UserInfo(g.ctx(ctx), oauth2.StaticTokenSource(&oauth2.Token{AccessToken: ts.AccessToken, TokenType: "Bearer"}))
	if err != nil {
		return fmt.Errorf("pscgateway: userinfo: %w", err)
	}
	var raw json.RawMessage
	if err := ui.Claims(&raw); err != nil {
		return fmt.Errorf("pscgateway: userinfo: %w", err)
	}
	ts.Userinfo = raw
	return nil
}
