package psc

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

const testUser = "899700412358"

// startProvider serves a provider on a TLS test server with one client.
func startProvider(t *testing.T, o Options) (*Provider, *httptest.Server) {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	ts.StartTLS()
	t.Cleanup(ts.Close)
	o.BaseURL = ts.URL
	o.Users = []User{{NationalID: testUser, Surname: "BONNEFOY", GivenName: "Élise", ProfessionCode: "21",
		Situations: []Situation{{StructureName: "PHARMACIE DES TILLEULS", StructureID: "1690999123", FINESS: "690999123", Sector: "SA33"}}}}
	o.Clients = []Client{{ID: "gw", Secret: "s3cret", RedirectURIs: []string{"https://gw.test/cb"}},
		{ID: "other", Secret: "other-secret"}}
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = p.Handler()
	return p, ts
}

// post sends a form with Basic credentials and decodes the JSON answer.
func post(t *testing.T, ts *httptest.Server, path, id, secret string, form url.Values) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(id, secret)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

const (
	ciba  = RealmPath + "/protocol/openid-connect/ext/ciba/auth"
	token = RealmPath + "/protocol/openid-connect/token"
)

// TestPSCProviderCIBAWire drives CIBA as PSC documents it: Basic client authentication,
// poll mode, slow_down when polled too fast, tokens once approved, single use.
func TestPSCProviderCIBAWire(t *testing.T) {
	p, ts := startProvider(t, Options{CIBAInterval: time.Hour})
	form := url.Values{"scope": {"openid scope_all"}, "login_hint": {testUser}}
	if st, out := post(t, ts, ciba, "", "", form); st != http.StatusUnauthorized || out["error"] != "invalid_client" {
		t.Fatalf("without client authentication: %d %v", st, out)
	}
	if st, out := post(t, ts, ciba, "gw", "s3cret", url.Values{"scope": {"openid"}, "login_hint": {"899700000000"}}); out["error"] != "unknown_user_id" {
		t.Fatalf("unknown user: %d %v", st, out)
	}
	st, out := post(t, ts, ciba, "gw", "s3cret", form)
	if st != http.StatusOK || out["auth_req_id"] == nil || out["expires_in"] != float64(120) {
		t.Fatalf("backchannel request: %d %v", st, out)
	}
	id := out["auth_req_id"].(string)
	poll := url.Values{"grant_type": {GrantCIBA}, "auth_req_id": {id}}
	if _, out := post(t, ts, token, "gw", "s3cret", poll); out["error"] != "authorization_pending" {
		t.Fatalf("first poll: %v", out)
	}
	if _, out := post(t, ts, token, "gw", "s3cret", poll); out["error"] != "slow_down" {
		t.Fatalf("second poll within the interval: %v, want slow_down", out)
	}
	if _, out := post(t, ts, token, "other", "other-secret", poll); out["error"] != "invalid_grant" {
		t.Fatalf("another client's poll: %v, want invalid_grant", out)
	}
	if err := p.Approve(id); err != nil {
		t.Fatal(err)
	}
	// The server's interval is an hour: jump past it.
	p.mu.Lock()
	p.ciba[id].lastPoll = time.Time{}
	p.mu.Unlock()
	st, out = post(t, ts, token, "gw", "s3cret", poll)
	if st != http.StatusOK || out["access_token"] == nil || out["refresh_token"] == nil || out["id_token"] == nil {
		t.Fatalf("poll after approval: %d %v", st, out)
	}
	if _, out := post(t, ts, token, "gw", "s3cret", poll); out["error"] != "invalid_grant" {
		t.Fatalf("the approved request was usable twice: %v", out)
	}
}

// TestPSCProviderTokens: access tokens are checked for audience and expiry; an ID token is
// no access token; refresh tokens rotate.
func TestPSCProviderTokens(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	p, ts := startProvider(t, Options{Now: func() time.Time { return clock() }})
	req, err := p.startCIBAForTest("gw")
	if err != nil {
		t.Fatal(err)
	}
	_ = p.Approve(req)
	st, out := post(t, ts, token, "gw", "s3cret", url.Values{"grant_type": {GrantCIBA}, "auth_req_id": {req}})
	if st != http.StatusOK {
		t.Fatalf("tokens: %d %v", st, out)
	}
	at, idt, rt := out["access_token"].(string), out["id_token"].(string), out["refresh_token"].(string)
	ctx := context.Background()
	if c, err := p.VerifyAccessToken(ctx, at, "gw"); err != nil || c.PreferredUsername != testUser || c.SubjectNameID != testUser {
		t.Fatalf("access token for gw: %+v %v", c, err)
	}
	if _, err := p.VerifyAccessToken(ctx, at, "other"); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("access token accepted for another audience: %v", err)
	}
	if _, err := p.VerifyAccessToken(ctx, idt, "gw"); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("ID token accepted as an access token: %v", err)
	}
	now = now.Add(DefaultAccessTTL + time.Second)
	if _, err := p.VerifyAccessToken(ctx, at, "gw"); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("expired access token accepted: %v", err)
	}
	st, out = post(t, ts, token, "gw", "s3cret", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
	if st != http.StatusOK || out["refresh_token"] == rt {
		t.Fatalf("refresh: %d %v", st, out)
	}
	if _, out := post(t, ts, token, "gw", "s3cret", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}); out["error"] != "invalid_grant" {
		t.Fatalf("a used refresh token was accepted again: %v", out)
	}
	// Userinfo with the new access token.
	r, _ := http.NewRequest(http.MethodGet, ts.URL+RealmPath+"/protocol/openid-connect/userinfo", nil)
	r.Header.Set("Authorization", "Bearer "+out["access_token"].(string))
	resp, err := ts.Client().Do(r)
	if err != nil {
		t.Fatal(err)
	}
	var ui Userinfo
	_ = json.NewDecoder(resp.Body).Decode(&ui)
	resp.Body.Close()
	if ui.PreferredUsername != testUser || len(ui.SubjectRefPro.Exercices) != 1 ||
		ui.SubjectRefPro.Exercices[0].Activities[0].FINESS != "690999123" {
		t.Fatalf("userinfo: %+v", ui)
	}
}

// startCIBAForTest creates a pending request as the backchannel endpoint does.
func (p *Provider) startCIBAForTest(client string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.opts.Now()
	r := &cibaRequest{id: randomID(24), client: client, user: testUser, scope: Scopes, created: now,
		expires: now.Add(p.opts.CIBAExpiry), interval: p.opts.CIBAInterval, state: cibaPending}
	p.ciba[r.id] = r
	return r.id, nil
}

// TestPSCProviderCodeFlow: the authorization page, PKCE required and checked, discovery at
// PSC's non-standard path only.
func TestPSCProviderCodeFlow(t *testing.T) {
	_, ts := startProvider(t, Options{})
	hc := ts.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Get(ts.URL + RealmPath + DiscoveryPath)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("discovery: %v %v", err, resp)
	}
	var disc map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&disc)
	resp.Body.Close()
	if disc["issuer"] != ts.URL+RealmPath || disc["backchannel_token_delivery_modes_supported"] == nil {
		t.Fatalf("discovery document: %v", disc)
	}
	if resp, _ := hc.Get(ts.URL + RealmPath + "/.well-known/openid-configuration"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("standard discovery path answered %d", resp.StatusCode)
	}
	verifier := oauth2.GenerateVerifier()
	q := url.Values{"response_type": {"code"}, "client_id": {"gw"}, "redirect_uri": {"https://gw.test/cb"},
		"scope": {"openid scope_all"}, "state": {"st"}, "nonce": {"n0"}}
	// Without PKCE: refused by redirect.
	resp, _ = hc.Get(ts.URL + RealmPath + "/protocol/openid-connect/auth?" + q.Encode())
	if loc := resp.Header.Get("Location"); !strings.Contains(loc, "error=invalid_request") {
		t.Fatalf("without PKCE: %d %s", resp.StatusCode, loc)
	}
	q.Set("code_challenge", oauth2.S256ChallengeFromVerifier(verifier))
	q.Set("code_challenge_method", "S256")
	resp, _ = hc.Get(ts.URL + RealmPath + "/protocol/openid-connect/auth?" + q.Encode())
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	txn := regexp.MustCompile(`name="txn" value="([^"]+)"`).FindSubmatch(page)
	if txn == nil || !strings.Contains(string(page), "Valider avec mon e-CPS") {
		t.Fatalf("approval page: %s", page)
	}
	resp, _ = hc.PostForm(ts.URL+RealmPath+"/protocol/openid-connect/auth/decide",
		url.Values{"txn": {string(txn[1])}, "national_id": {testUser}, "decision": {"approve"}})
	loc, _ := url.Parse(resp.Header.Get("Location"))
	code := loc.Query().Get("code")
	if code == "" || loc.Query().Get("state") != "st" {
		t.Fatalf("redirect after approval: %s", loc)
	}
	ex := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"https://gw.test/cb"},
		"code_verifier": {oauth2.GenerateVerifier()}}
	if _, out := post(t, ts, token, "gw", "s3cret", ex); out["error"] != "invalid_grant" {
		t.Fatalf("wrong PKCE verifier: %v", out)
	}
	// The code is single use: the failed attempt burnt it.
	ex.Set("code_verifier", verifier)
	if _, out := post(t, ts, token, "gw", "s3cret", ex); out["error"] != "invalid_grant" {
		t.Fatalf("reused code: %v", out)
	}
}

// TestPSCProviderCIBADecidedByAPI: a script (or a tester with curl) sees the waiting e-CPS
// requests at GET /sandbox/ciba and approves or denies one by POST, as the demo menu does;
// the client's next poll gets the tokens, or access_denied.
func TestPSCProviderCIBADecidedByAPI(t *testing.T) {
	_, ts := startProvider(t, Options{})
	form := url.Values{"scope": {"openid scope_all"}, "login_hint": {testUser}}
	ask := func() string {
		t.Helper()
		st, out := post(t, ts, ciba, "gw", "s3cret", form)
		if st != http.StatusOK || out["auth_req_id"] == nil {
			t.Fatalf("backchannel request: %d %v", st, out)
		}
		return out["auth_req_id"].(string)
	}
	approved, denied := ask(), ask()

	resp, err := ts.Client().Get(ts.URL + "/sandbox/ciba")
	if err != nil {
		t.Fatal(err)
	}
	var pending []CIBARequest
	err = json.NewDecoder(resp.Body).Decode(&pending)
	resp.Body.Close()
	if err != nil || len(pending) != 2 || pending[0].NationalID != testUser {
		t.Fatalf("GET /sandbox/ciba: %v %+v, want the two requests of %s", err, pending, testUser)
	}

	decide := func(id, verb string) int {
		t.Helper()
		resp, err := ts.Client().Post(ts.URL+"/sandbox/ciba/"+id+"/"+verb, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := decide(approved, "approve"); st != http.StatusNoContent {
		t.Fatalf("POST approve: %d", st)
	}
	if st := decide(denied, "deny"); st != http.StatusNoContent {
		t.Fatalf("POST deny: %d", st)
	}
	if st := decide("unknown", "approve"); st != http.StatusNotFound {
		t.Fatalf("POST approve of an unknown request: %d, want 404", st)
	}
	poll := func(id string) map[string]any {
		_, out := post(t, ts, token, "gw", "s3cret", url.Values{"grant_type": {GrantCIBA}, "auth_req_id": {id}})
		return out
	}
	if out := poll(approved); out["access_token"] == nil {
		t.Fatalf("poll after the API's approval: %v", out)
	}
	if out := poll(denied); out["error"] != "access_denied" {
		t.Fatalf("poll after the API's denial: %v, want access_denied", out)
	}
}
