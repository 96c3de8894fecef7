// Package pscgateway is the intermediate server between Comptoir and Pro Santé Connect.
//
// PSC forbids thick clients from talking to it directly: a server holds the PSC client
// credentials and runs the flows. This gateway is that server for the sandbox operator (the
// operator's, or the software vendor's, in production). It is a confidential PSC client
// (HTTP Basic, as PSC's CIBA requires) and exposes a small JSON API to Comptoir, which never
// holds a PSC client secret:
//
//   - e-CPS: Comptoir starts a CIBA request with the national id and polls it through the
//     gateway, which relays PSC's answers (authorization_pending, slow_down, access_denied,
//     expired_token) unchanged;
//   - browser: authorization code + PKCE between the gateway and PSC (the gateway's own
//     verifier), and a second code + PKCE leg between Comptoir's loopback redirect (RFC 8252)
//     and the gateway, so that a code intercepted on the loopback is useless without
//     Comptoir's verifier;
//   - refresh and logout, with PSC's refresh token that Comptoir keeps in memory only;
//   - the PSC configuration (issuer, client id) and the PSC keys (JWKS), so that Comptoir
//     verifies ID tokens without reaching PSC.
//
// The wire contract is docs/psc-gateway-api.md; the Go client is mail/psc. OAuth and OIDC
// go through golang.org/x/oauth2 and github.com/coreos/go-oidc (discovery document at PSC's
// non-standard path, user info); CIBA, which neither library implements, is plain form posts.
// Tokens are never logged.
package pscgateway
