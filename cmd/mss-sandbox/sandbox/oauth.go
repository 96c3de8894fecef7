package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
)

// SASL mechanisms for Pro Santé Connect tokens.
const (
	mechXOAUTH2     = "XOAUTH2"
	mechOAUTHBEARER = sasl.OAuthBearer
)

// errBadSASL: the client's SASL message could not be read.
var errBadSASL = errors.New("malformed OAuth SASL message")

// tokenHolder verifies a Pro Santé Connect access token as the operator's resource server
// (signature, issuer, expiry, audience = the operator's PSC client) and returns its holder,
// whose national id then opens BALs exactly as a card's does.
func (s *Server) tokenHolder(token string) (holder, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := s.psc.VerifyAccessToken(ctx, token, s.gw.ClientID())
	if err != nil {
		return holder{}, err
	}
	return holder{ID: c.PreferredUsername, Surname: c.FamilyName, GivenName: c.GivenName, Kind: kindPerson}, nil
}

// oauthServer is the server side of XOAUTH2 and OAUTHBEARER (RFC 7628): it reads the
// authorization identity and the token, lets check decide, and on refusal sends the JSON
// error challenge the mechanisms require before failing with check's error.
type oauthServer struct {
	mech   string
	check  func(authzid, token string) error
	bearer sasl.Server // go-sasl's OAUTHBEARER parser
	failed error
}

func newOAuthServer(mech string, check func(authzid, token string) error) *oauthServer {
	o := &oauthServer{mech: mech, check: check}
	if mech == mechOAUTHBEARER {
		o.bearer = sasl.NewOAuthBearerServer(func(opts sasl.OAuthBearerOptions) *sasl.OAuthBearerError {
			if err := check(opts.Username, opts.Token); err != nil {
				o.failed = err
				return &sasl.OAuthBearerError{Status: "invalid_token", Schemes: "bearer", Scope: "openid scope_all"}
			}
			return nil
		})
	}
	return o
}

func (o *oauthServer) Next(resp []byte) ([]byte, bool, error) {
	if o.failed != nil {
		// The client acknowledged the error challenge (or sent anything): fail now.
		return nil, true, o.failed
	}
	if resp == nil {
		return []byte{}, false, nil // no initial response: ask for it
	}
	if o.mech == mechOAUTHBEARER {
		ch, done, err := o.bearer.Next(resp)
		if !done && err == nil && o.failed == nil {
			o.failed = errBadSASL // go-sasl sent its own error challenge
		}
		return ch, done, err
	}
	authzid, token, ok := parseXOAUTH2(resp)
	if ok {
		o.failed = o.check(authzid, token)
	} else {
		o.failed = errBadSASL
	}
	if o.failed == nil {
		return nil, true, nil
	}
	ch, _ := json.Marshal(map[string]string{"status": "401", "schemes": "bearer", "scope": "openid scope_all"})
	return ch, false, nil
}

// parseXOAUTH2 reads "user=<id>^Aauth=Bearer <token>^A^A".
func parseXOAUTH2(b []byte) (user, token string, ok bool) {
	for _, f := range bytes.Split(b, []byte{0x01}) {
		s := string(f)
		switch {
		case strings.HasPrefix(s, "user="):
			user = s[len("user="):]
		case strings.HasPrefix(strings.ToLower(s), "auth=bearer "):
			token = strings.TrimSpace(s[len("auth=bearer "):])
		}
	}
	return user, token, token != ""
}
