// Package psc logs a health professional in with Pro Santé Connect (PSC) through the
// operator's intermediate server, and keeps the resulting tokens for the mail connections.
//
// PSC forbids thick clients from talking to it: Comptoir talks only to the intermediate
// server (docs/psc-gateway-api.md), which holds the PSC client credentials. This package is
// that server's client; it lives under mail/ beside mail/provisioning because it is an
// operator-facing protocol client with no UI, and it does not import package mail (the
// Session satisfies mail.TokenSource structurally).
//
// Logins:
//   - e-CPS (CIBA, poll mode): Client.StartECPS sends the national id; the phone asks the
//     professional to approve; Pending.Wait polls at the announced interval (slow_down adds
//     5 s) until the tokens arrive, or ErrDenied, ErrExpired, or ctx ends (the cancel button).
//   - browser (authorization code + PKCE): Client.LoginBrowser listens on
//     http://127.0.0.1:<random port>/callback (RFC 8252 §7.3), lets the caller open the
//     browser on the intermediate server's start URL, and redeems the one-time code with its
//     PKCE verifier.
//
// Either way the ID token is verified with go-oidc (signature with PSC's keys relayed by the
// intermediate server, issuer, audience = the server's PSC client id, expiry, and the nonce
// for the browser), and the identity (national id, name, practice situations) is read from
// it and from PSC's userinfo, whose sub must match.
//
// Session keeps the tokens in memory only, never on disk nor in logs. It refreshes the
// access token before it expires (PSC access tokens live a few minutes) and hands the
// current one to the mail engine (Token). When PSC refuses the refresh token the session
// ends: Done is closed and Err wraps ErrSessionEnded, so the application locks and says why
// (Réf. #2 ECO.1.2.6). Close logs out (the refresh token is revoked at PSC).
package psc
