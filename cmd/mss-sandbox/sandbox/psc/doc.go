// Package psc is the sandbox's stand-in for Pro Santé Connect (PSC), the ANS's OpenID
// Connect provider for health professionals, for demos and tests where the real one cannot
// be reached. It replays PSC's documented behaviour, not its implementation:
//
//   - discovery at PSC's non-standard path ({issuer}/.well-known/wallet-openid-configuration,
//     the issuer ending in /auth/realms/esante-wallet) and the JWKS (RS256 keys);
//   - authorization code with PKCE (S256 required), through a local page that plays the
//     e-CPS approval on the phone;
//   - CIBA in poll mode only (client authentication Basic), approved or denied from Go
//     (Provider.Approve, Provider.Deny) or from the control endpoints under /sandbox/;
//   - refresh tokens (rotated at each use, bounded by the session's lifetime) and short access
//     tokens (2 min by default) so that clients exercise refresh;
//   - scopes "openid scope_all"; the national id (RPPS/ADELI, "8"+RPPS) in preferred_username
//     and SubjectNameID; the practice situations in userinfo's SubjectRefPro.exercices[]
//     .activities[], in the shape PSC returns;
//   - userinfo, token introspection (RFC 7662) and revocation (RFC 7009).
//
// Tokens are JWTs signed with go-jose; access tokens carry typ "JWT", kid and azp so that
// Dovecot's oauth2 passdb can validate them locally. Everything lives in memory: a restart
// ends every session (and changes the signing key).
//
// The control endpoints (/sandbox/ciba, /sandbox/ciba/{id}/approve, /sandbox/ciba/{id}/deny,
// /sandbox/sessions/{national_id}/end) have no authentication: the provider listens on
// loopback for a local demo.
package psc
