package pscgateway

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// TestPSCLoopbackRedirect: only http loopback IP literals with a port are accepted as
// Comptoir's redirect (RFC 8252 §7.3): the gateway is no open redirector.
func TestPSCLoopbackRedirect(t *testing.T) {
	for raw, want := range map[string]bool{
		"http://127.0.0.1:49152/callback": true,
		"http://[::1]:5000/cb":            true,
		"http://127.0.0.1/callback":       false, // no port
		"https://127.0.0.1:5000/cb":       false,
		"http://localhost:5000/cb":        false, // names can be hijacked
		"http://evil.example:5000/cb":     false,
		"http://10.0.0.1:5000/cb":         false,
		"http://u@127.0.0.1:5000/cb":      false,
		"http://127.0.0.1:5000/cb#frag":   false,
		"javascript:alert(1)":             false,
	} {
		if got := loopbackRedirect(raw); got != want {
			t.Errorf("loopbackRedirect(%q) = %v, want %v", raw, got, want)
		}
	}
}

// TestPSCHandoffNeedsVerifier: the one-time code given to the loopback is redeemed only
// with Comptoir's PKCE verifier, once.
func TestPSCHandoffNeedsVerifier(t *testing.T) {
	g, err := New(Config{DiscoveryURL: "https://psc.test/x" + DiscoverySuffix, ClientID: "gw", BaseURL: "https://gw.test"})
	if err != nil {
		t.Fatal(err)
	}
	verifier := oauth2.GenerateVerifier()
	redirect := "http://127.0.0.1:5000/callback"
	put := func(code string) {
		g.handoffs[code] = &handoff{tokens: TokenSet{AccessToken: "at", RefreshToken: "rt"}, redirect: redirect,
			challenge: oauth2.S256ChallengeFromVerifier(verifier), expires: time.Now().Add(time.Minute)}
	}
	redeem := func(code, v string) (int, map[string]any) {
		body, _ := json.Marshal(BrowserToken{Code: code, CodeVerifier: v, RedirectURI: redirect})
		rec := httptest.NewRecorder()
		g.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/browser/token", strings.NewReader(string(body))))
		var out map[string]any
		_ = json.Unmarshal(rec.Body.Bytes(), &out)
		return rec.Code, out
	}
	put("c1")
	if st, out := redeem("c1", oauth2.GenerateVerifier()); st != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Fatalf("wrong verifier: %d %v", st, out)
	}
	if st, _ := redeem("c1", verifier); st != http.StatusBadRequest {
		t.Fatalf("the code survived a failed redemption: %d", st)
	}
	put("c2")
	if st, out := redeem("c2", verifier); st != http.StatusOK || out["access_token"] != "at" {
		t.Fatalf("right verifier: %d %v", st, out)
	}
	if st, _ := redeem("c2", verifier); st != http.StatusBadRequest {
		t.Fatalf("the code was redeemed twice: %d", st)
	}
}
