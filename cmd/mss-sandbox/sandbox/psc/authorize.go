package psc

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// authzTxn is an authorization request waiting for the user's decision on the page.
type authzTxn struct {
	client, redirect, state, nonce, challenge, scope, loginHint string
	expires                                                     time.Time
}

const txnTTL = 10 * time.Minute

var pageTmpl = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Pro Santé Connect (bac à sable)</title>
<style>body{font-family:sans-serif;max-width:32em;margin:3em auto}button{font-size:1em;margin:.3em}</style></head>
<body><h1>Pro Santé Connect</h1><p><em>Bac à sable : simulation locale, aucune donnée réelle.</em></p>
{{if .Error}}<p role="alert"><strong>{{.Error}}</strong></p>{{end}}
{{if .Txn}}<p>Le service <strong>{{.Client}}</strong> demande à vous identifier.</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="txn" value="{{.Txn}}">
<p><label>Identifiant national (RPPS/ADELI)<br><input name="national_id" value="{{.LoginHint}}" autocomplete="off"></label></p>
<p>Sur votre téléphone, l'application e-CPS vous demande de valider la connexion.</p>
<button type="submit" name="decision" value="approve">Valider avec mon e-CPS</button>
<button type="submit" name="decision" value="deny">Refuser</button>
</form>{{end}}
</body></html>
`))

type pageData struct {
	Error, Txn, Client, Action, LoginHint string
}

func (p *Provider) renderPage(w http.ResponseWriter, status int, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
	w.WriteHeader(status)
	_ = pageTmpl.Execute(w, d)
}

// serveAuthorize is the authorization endpoint (code flow, PKCE S256 required). Errors
// about the client or its redirect URI are shown, never redirected (RFC 6749 §4.1.2.1).
func (p *Provider) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p.mu.Lock()
	c, ok := p.clients[q.Get("client_id")]
	p.mu.Unlock()
	if !ok || !slices.Contains(c.RedirectURIs, q.Get("redirect_uri")) {
		p.renderPage(w, http.StatusBadRequest, pageData{Error: "Service inconnu ou adresse de retour non enregistrée."})
		return
	}
	redirect := q.Get("redirect_uri")
	fail := func(code, desc string) {
		redirectWith(w, r, redirect, url.Values{"error": {code}, "error_description": {desc}, "state": {q.Get("state")}})
	}
	scopes := strings.Fields(q.Get("scope"))
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "Only the code flow is supported")
		return
	case !slices.Contains(scopes, "openid"):
		fail("invalid_scope", "The openid scope is required")
		return
	case q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256":
		fail("invalid_request", "PKCE with S256 is required")
		return
	}
	t := &authzTxn{client: c.ID, redirect: redirect, state: q.Get("state"), nonce: q.Get("nonce"),
		challenge: q.Get("code_challenge"), scope: strings.Join(scopes, " "), loginHint: q.Get("login_hint"),
		expires: p.opts.Now().Add(txnTTL)}
	id := randomID(16)
	p.mu.Lock()
	p.txns[id] = t
	p.mu.Unlock()
	p.renderPage(w, http.StatusOK, pageData{Txn: id, Client: c.ID, Action: p.endpoint("auth/decide"), LoginHint: t.loginHint})
}

// serveDecide receives the page's decision: a code, or access_denied.
func (p *Provider) serveDecide(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.renderPage(w, http.StatusBadRequest, pageData{Error: "Requête illisible."})
		return
	}
	id := r.PostForm.Get("txn")
	p.mu.Lock()
	t, ok := p.txns[id]
	if ok && !p.opts.Now().Before(t.expires) {
		delete(p.txns, id)
		ok = false
	}
	p.mu.Unlock()
	if !ok {
		p.renderPage(w, http.StatusBadRequest, pageData{Error: "Demande expirée : recommencez depuis votre logiciel."})
		return
	}
	if r.PostForm.Get("decision") != "approve" {
		p.mu.Lock()
		delete(p.txns, id)
		p.mu.Unlock()
		redirectWith(w, r, t.redirect, url.Values{"error": {"access_denied"}, "error_description": {"The user refused"}, "state": {t.state}})
		return
	}
	nid := strings.TrimSpace(r.PostForm.Get("national_id"))
	p.mu.Lock()
	_, known := p.users[nid]
	if !known {
		p.mu.Unlock()
		p.renderPage(w, http.StatusOK, pageData{Error: "Identifiant national inconnu de Pro Santé Connect.", Txn: id,
			Client: t.client, Action: p.endpoint("auth/decide"), LoginHint: nid})
		return
	}
	delete(p.txns, id)
	now := p.opts.Now()
	s := p.newSessionLocked(nid)
	code := randomID(24)
	p.codes[code] = &grant{session: s, client: t.client, scope: t.scope, nonce: t.nonce, expires: now.Add(defaultCodeTTL),
		redirect: t.redirect, pkce: t.challenge, authTime: now}
	p.mu.Unlock()
	p.log.Info("psc: code flow approved", "client", t.client)
	redirectWith(w, r, t.redirect, url.Values{"code": {code}, "state": {t.state}})
}

// redirectWith redirects to base with params added to its query.
func redirectWith(w http.ResponseWriter, r *http.Request, base string, params url.Values) {
	u, err := url.Parse(base)
	if err != nil {
		http.Error(w, "bad redirect", http.StatusBadRequest)
		return
	}
	q := u.Query()
	for k, vs := range params {
		if len(vs) > 0 && vs[0] != "" {
			q.Set(k, vs[0])
		}
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}
