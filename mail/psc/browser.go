package psc

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/oauth2"
)

// callbackPage is what the browser shows after the redirect to Comptoir.
var callbackPage = template.Must(template.New("cb").Parse(`<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Comptoir</title></head>
<body style="font-family:sans-serif;max-width:32em;margin:3em auto"><h1>{{.}}</h1>
<p>Vous pouvez fermer cette fenêtre et revenir à Comptoir.</p></body></html>
`))

type callbackResult struct {
	code string
	err  error
}

// LoginBrowser logs in through the browser (PSC's other means: card reader, e-CPS on the
// same computer…): authorization code with PKCE, the redirect coming back to a listener on
// http://127.0.0.1:<random port>/callback (RFC 8252 §7.3). open is called with the URL to
// show in the system browser; nationalIDHint (optional) prefills the PSC page. It returns
// when the code is redeemed, or with ErrDenied, or when ctx ends.
func (c *Client) LoginBrowser(ctx context.Context, nationalIDHint string, open func(url string) error) (*Session, error) {
	if _, _, err := c.config(ctx); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("psc: loopback listener: %w", err)
	}
	redirect := "http://" + ln.Addr().String() + "/callback"
	verifier, state, nonce := oauth2.GenerateVerifier(), randomString(), randomString()
	results := make(chan callbackResult, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /callback", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("state") != state {
			http.Error(w, "Requête inattendue.", http.StatusBadRequest)
			return
		}
		res := callbackResult{code: q.Get("code")}
		title := "Connexion réussie"
		if e := q.Get("error"); e != "" || res.code == "" {
			title = "Connexion refusée"
			res.err = ErrDenied
			if e != "access_denied" {
				title, res.err = "Connexion impossible", fmt.Errorf("%w: %s", ErrUnavailable, e)
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_ = callbackPage.Execute(w, title)
		select {
		case results <- res:
		default:
		}
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		// Gracefully: the browser is still reading the page.
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()

	q := url.Values{"redirect_uri": {redirect}, "code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)},
		"code_challenge_method": {"S256"}, "state": {state}, "nonce": {nonce}}
	if nationalIDHint != "" {
		q.Set("login_hint", nationalIDHint)
	}
	if err := open(c.base + "/v1/browser/start?" + q.Encode()); err != nil {
		return nil, fmt.Errorf("psc: open the browser: %w", err)
	}
	var res callbackResult
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case res = <-results:
	}
	if res.err != nil {
		return nil, res.err
	}
	var ts tokenSet
	err = c.call(ctx, "POST", "/v1/browser/token", map[string]string{"code": res.code, "code_verifier": verifier,
		"redirect_uri": redirect}, &ts)
	if err != nil {
		if apiCode(err) == "invalid_grant" {
			return nil, fmt.Errorf("%w: %v", ErrExpired, err)
		}
		return nil, fmt.Errorf("psc: browser login: %w", err)
	}
	id, err := c.verifyIdentity(ctx, &ts, nonce, "", MethodBrowser)
	if err != nil {
		return nil, err
	}
	return c.newSession(&ts, id), nil
}

func randomString() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}
