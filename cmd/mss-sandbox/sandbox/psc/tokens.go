package psc

import (
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
)

// AccessClaims are the claims of an access token.
type AccessClaims struct {
	jwt.Claims
	AuthorizedParty   string `json:"azp"`
	Scope             string `json:"scope"`
	SessionID         string `json:"sid"`
	TokenType         string `json:"typ"`
	PreferredUsername string `json:"preferred_username"`
	SubjectNameID     string `json:"SubjectNameID"`
	GivenName         string `json:"given_name,omitempty"`
	FamilyName        string `json:"family_name,omitempty"`
}

// idClaims are the claims of an ID token.
type idClaims struct {
	jwt.Claims
	AuthorizedParty   string           `json:"azp"`
	Nonce             string           `json:"nonce,omitempty"`
	AuthTime          *jwt.NumericDate `json:"auth_time"`
	ACR               string           `json:"acr"`
	AMR               []string         `json:"amr"`
	SessionID         string           `json:"sid"`
	PreferredUsername string           `json:"preferred_username"`
	SubjectNameID     string           `json:"SubjectNameID"`
	GivenName         string           `json:"given_name"`
	FamilyName        string           `json:"family_name"`
}

// tokenResponse is the token endpoint's success body (RFC 6749 §5.1 plus id_token).
type tokenResponse struct {
	AccessToken      string `json:"access_token"`
	TokenType        string `json:"token_type"`
	ExpiresIn        int    `json:"expires_in"`
	RefreshToken     string `json:"refresh_token"`
	RefreshExpiresIn int    `json:"refresh_expires_in"`
	IDToken          string `json:"id_token,omitempty"`
	Scope            string `json:"scope"`
	SessionState     string `json:"session_state"`
}

// newSession starts a login for user. The caller holds p.mu.
func (p *Provider) newSessionLocked(user string) *session {
	now := p.opts.Now()
	s := &session{id: randomID(12), user: user, started: now, expires: now.Add(p.opts.SessionTTL)}
	p.sessions[s.id] = s
	return s
}

// issueLocked mints an access token, an ID token (when withID) and a new refresh token for
// g. The caller holds p.mu.
func (p *Provider) issueLocked(g *grant, withID bool) (tokenResponse, error) {
	u, ok := p.users[g.session.user]
	if !ok {
		return tokenResponse{}, fmt.Errorf("psc: user %s vanished", g.session.user)
	}
	now := p.opts.Now()
	exp := now.Add(p.opts.AccessTTL)
	sub := u.subject()
	ac := AccessClaims{
		Claims: jwt.Claims{Issuer: p.Issuer(), Subject: sub, Audience: jwt.Audience{g.client},
			Expiry: jwt.NewNumericDate(exp), IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now.Add(-time.Second)),
			ID: randomID(12)},
		AuthorizedParty: g.client, Scope: g.scope, SessionID: g.session.id, TokenType: "Bearer",
		PreferredUsername: u.NationalID, SubjectNameID: u.NationalID, GivenName: u.GivenName, FamilyName: u.Surname,
	}
	access, err := jwt.Signed(p.signer).Claims(ac).Serialize()
	if err != nil {
		return tokenResponse{}, fmt.Errorf("psc: sign access token: %w", err)
	}
	rt := randomID(32)
	p.refresh[rt] = &grant{session: g.session, client: g.client, scope: g.scope, authTime: g.authTime}
	resp := tokenResponse{AccessToken: access, TokenType: "Bearer", ExpiresIn: int(p.opts.AccessTTL / time.Second),
		RefreshToken: rt, RefreshExpiresIn: int(g.session.expires.Sub(now) / time.Second), Scope: g.scope,
		SessionState: g.session.id}
	if resp.ExpiresIn == 0 {
		resp.ExpiresIn = 1
	}
	if withID {
		ic := idClaims{
			Claims: jwt.Claims{Issuer: p.Issuer(), Subject: sub, Audience: jwt.Audience{g.client},
				Expiry: jwt.NewNumericDate(exp), IssuedAt: jwt.NewNumericDate(now), ID: randomID(12)},
			AuthorizedParty: g.client, Nonce: g.nonce, AuthTime: jwt.NewNumericDate(g.authTime), ACR: "eidas1",
			AMR: []string{"ecps"}, SessionID: g.session.id, PreferredUsername: u.NationalID, SubjectNameID: u.NationalID,
			GivenName: u.GivenName, FamilyName: u.Surname,
		}
		if resp.IDToken, err = jwt.Signed(p.signer).Claims(ic).Serialize(); err != nil {
			return tokenResponse{}, fmt.Errorf("psc: sign ID token: %w", err)
		}
	}
	return resp, nil
}

// refreshLocked exchanges a refresh token (rotated: the old one dies). The caller holds p.mu.
func (p *Provider) refreshLocked(rt, client string) (tokenResponse, *oauthError) {
	g, ok := p.refresh[rt]
	if !ok || g.client != client {
		return tokenResponse{}, errInvalidGrant("Invalid refresh token")
	}
	delete(p.refresh, rt)
	if g.session.ended {
		return tokenResponse{}, errInvalidGrant("Session not active: " + g.session.endReason)
	}
	if !p.opts.Now().Before(g.session.expires) {
		return tokenResponse{}, errInvalidGrant("Session expired")
	}
	resp, err := p.issueLocked(g, true)
	if err != nil {
		return tokenResponse{}, errServer(err)
	}
	return resp, nil
}
