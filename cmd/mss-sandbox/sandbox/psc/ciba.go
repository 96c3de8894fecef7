package psc

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// CIBA request states.
const (
	cibaPending  = "pending"
	cibaApproved = "approved"
	cibaDenied   = "denied"
)

type cibaRequest struct {
	id, client, user, scope, binding string
	created, expires, lastPoll       time.Time
	interval                         time.Duration
	state                            string
}

// CIBARequest is a pending backchannel request, as the demo menu shows it.
type CIBARequest struct {
	ID             string    `json:"auth_req_id"`
	NationalID     string    `json:"national_id"`
	Name           string    `json:"name"`
	Client         string    `json:"client_id"`
	BindingMessage string    `json:"binding_message,omitempty"`
	Expires        time.Time `json:"expires"`
}

// ErrNoSuchRequest: no pending CIBA request with that id (unknown, expired or decided).
var ErrNoSuchRequest = errors.New("psc: no such pending CIBA request")

// serveBackchannel is CIBA's backchannel authentication endpoint (poll mode).
func (p *Provider) serveBackchannel(w http.ResponseWriter, r *http.Request) {
	c, oe := p.authClient(r)
	if oe != nil {
		writeOAuthErr(w, oe)
		return
	}
	if err := r.ParseForm(); err != nil {
		writeOAuthErr(w, errInvalidRequest("Unreadable form"))
		return
	}
	scopes := strings.Fields(r.PostForm.Get("scope"))
	hint := strings.TrimSpace(r.PostForm.Get("login_hint"))
	switch {
	case !slices.Contains(scopes, "openid"):
		writeOAuthErr(w, &oauthError{status: http.StatusBadRequest, Code: "invalid_scope", Desc: "The openid scope is required"})
		return
	case hint == "":
		writeOAuthErr(w, errInvalidRequest("login_hint (the national id) is required"))
		return
	case len(r.PostForm.Get("binding_message")) > 100:
		writeOAuthErr(w, &oauthError{status: http.StatusBadRequest, Code: "invalid_binding_message"})
		return
	}
	p.mu.Lock()
	_, known := p.users[hint]
	if !known {
		p.mu.Unlock()
		writeOAuthErr(w, &oauthError{status: http.StatusBadRequest, Code: "unknown_user_id", Desc: "No e-CPS for this national id"})
		return
	}
	now := p.opts.Now()
	req := &cibaRequest{id: randomID(24), client: c.ID, user: hint, scope: strings.Join(scopes, " "),
		binding: r.PostForm.Get("binding_message"), created: now, expires: now.Add(p.opts.CIBAExpiry),
		interval: p.opts.CIBAInterval, state: cibaPending}
	p.ciba[req.id] = req
	close(p.notify)
	p.notify = make(chan struct{})
	p.mu.Unlock()
	p.log.Info("psc: CIBA request", "client", c.ID)
	writeJSON(w, http.StatusOK, map[string]any{
		"auth_req_id": req.id,
		"expires_in":  int(p.opts.CIBAExpiry / time.Second),
		"interval":    max(1, int(p.opts.CIBAInterval/time.Second)),
	})
}

// pollCIBA answers a token request with the CIBA grant.
func (p *Provider) pollCIBA(c Client, id string) (tokenResponse, *oauthError) {
	p.mu.Lock()
	defer p.mu.Unlock()
	req, ok := p.ciba[id]
	if !ok || req.client != c.ID {
		return tokenResponse{}, errInvalidGrant("Unknown auth_req_id")
	}
	now := p.opts.Now()
	pending := func(code string) (tokenResponse, *oauthError) {
		return tokenResponse{}, &oauthError{status: http.StatusBadRequest, Code: code}
	}
	if !now.Before(req.expires) {
		delete(p.ciba, id)
		return pending("expired_token")
	}
	switch req.state {
	case cibaDenied:
		delete(p.ciba, id)
		return pending("access_denied")
	case cibaPending:
		early := !req.lastPoll.IsZero() && now.Sub(req.lastPoll) < req.interval*9/10
		req.lastPoll = now
		if early {
			return pending("slow_down")
		}
		return pending("authorization_pending")
	}
	delete(p.ciba, id)
	g := &grant{session: p.newSessionLocked(req.user), client: req.client, scope: req.scope, authTime: now}
	resp, err := p.issueLocked(g, true)
	if err != nil {
		return tokenResponse{}, errServer(err)
	}
	return resp, nil
}

// Pending lists the CIBA requests waiting for a decision, oldest first.
func (p *Provider) Pending() []CIBARequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pendingLocked()
}

func (p *Provider) pendingLocked() []CIBARequest {
	now := p.opts.Now()
	var out []CIBARequest
	for _, r := range p.ciba {
		if r.state != cibaPending || !now.Before(r.expires) {
			continue
		}
		u := p.users[r.user]
		out = append(out, CIBARequest{ID: r.id, NationalID: r.user, Name: u.GivenName + " " + u.Surname,
			Client: r.client, BindingMessage: r.binding, Expires: r.expires})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Expires.Before(out[j].Expires) })
	return out
}

// WaitPending waits until a CIBA request is pending for nationalID ("" = anyone) and
// returns the oldest one.
func (p *Provider) WaitPending(ctx context.Context, nationalID string) (CIBARequest, error) {
	for {
		p.mu.Lock()
		for _, r := range p.pendingLocked() {
			if nationalID == "" || r.NationalID == nationalID {
				p.mu.Unlock()
				return r, nil
			}
		}
		ch := p.notify
		p.mu.Unlock()
		select {
		case <-ctx.Done():
			return CIBARequest{}, ctx.Err()
		case <-ch:
		}
	}
}

// Approve plays the professional validating the request on their phone.
func (p *Provider) Approve(id string) error { return p.decide(id, cibaApproved) }

// Deny plays the professional refusing the request on their phone.
func (p *Provider) Deny(id string) error { return p.decide(id, cibaDenied) }

func (p *Provider) decide(id, state string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.ciba[id]
	if !ok || r.state != cibaPending || !p.opts.Now().Before(r.expires) {
		return ErrNoSuchRequest
	}
	r.state = state
	p.log.Info("psc: CIBA decided", "state", state)
	return nil
}

func (p *Provider) serveCIBAList(w http.ResponseWriter, r *http.Request) {
	list := p.Pending()
	if list == nil {
		list = []CIBARequest{}
	}
	writeJSON(w, http.StatusOK, list)
}

func (p *Provider) serveCIBADecision(approve bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f := p.Deny
		if approve {
			f = p.Approve
		}
		if err := f(r.PathValue("id")); err != nil {
			writeJSON(w, http.StatusNotFound, &oauthError{Code: "not_found", Desc: err.Error()})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

func (p *Provider) serveEndSessions(w http.ResponseWriter, r *http.Request) {
	n := p.EndSessions(r.PathValue("id"), "ended from the sandbox")
	writeJSON(w, http.StatusOK, map[string]int{"ended": n})
}
