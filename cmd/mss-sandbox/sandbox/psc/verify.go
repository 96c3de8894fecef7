package psc

import (
	"context"
	"crypto"
	"errors"
	"fmt"

	"github.com/coreos/go-oidc/v3/oidc"
)

// ErrTokenInvalid: an access token failed verification (signature, issuer, audience,
// expiry, or it is not an access token of this provider).
var ErrTokenInvalid = errors.New("psc: access token invalid")

// VerifyAccessToken checks an access token as a resource server does: signature with the
// provider's key, issuer, expiry, and (unless audience is empty) that audience is among its
// audiences. It returns the token's claims.
func (p *Provider) VerifyAccessToken(ctx context.Context, raw, audience string) (AccessClaims, error) {
	var c AccessClaims
	if raw == "" {
		return c, fmt.Errorf("%w: empty", ErrTokenInvalid)
	}
	v := oidc.NewVerifier(p.Issuer(), &oidc.StaticKeySet{PublicKeys: []crypto.PublicKey{&p.key.PublicKey}}, &oidc.Config{
		ClientID: audience, SkipClientIDCheck: audience == "", SupportedSigningAlgs: []string{oidc.RS256}, Now: p.opts.Now,
	})
	tok, err := v.Verify(ctx, raw)
	if err != nil {
		return c, fmt.Errorf("%w: %v", ErrTokenInvalid, err)
	}
	if err := tok.Claims(&c); err != nil {
		return c, fmt.Errorf("%w: claims: %v", ErrTokenInvalid, err)
	}
	if c.TokenType != "Bearer" || c.PreferredUsername == "" {
		return c, fmt.Errorf("%w: not an access token", ErrTokenInvalid)
	}
	return c, nil
}
