package mail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/emersion/go-sasl"
)

// TokenSource gives the current OAuth access token (a Pro Santé Connect token, obtained
// through the operator's intermediate server). It refreshes by itself; Token fails once it
// can no longer produce tokens (the session ended), and the connection fails with that
// error wrapped.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// TokenInvalidator is optionally implemented by a TokenSource: the server refused this
// token, so the next Token call should refresh rather than hand it out again.
type TokenInvalidator interface {
	Invalidate(token string)
}

// SASL mechanisms for OAuth tokens.
const (
	MechXOAUTH2     = "XOAUTH2"     // what Réf. #2 names (ECO.1.2.1)
	MechOAUTHBEARER = "OAUTHBEARER" // RFC 7628
)

// ErrTokenRefused: the server refused the OAuth token (expired, revoked, wrong audience) or
// the BAL for its holder. A fresh token may be accepted: the caller refreshes and retries.
var ErrTokenRefused = errors.New("mail: OAuth token refused")

// ErrNoOAuth: the server offers neither XOAUTH2 nor OAUTHBEARER after TLS.
var ErrNoOAuth = errors.New("mail: server offers no OAuth SASL mechanism (XOAUTH2, OAUTHBEARER)")

// pickOAuthMech chooses the mechanism among those offered: want if set (and offered), else
// XOAUTH2 (Réf. #2), else OAUTHBEARER.
func pickOAuthMech(offered func(string) bool, want string) (string, error) {
	if want != "" {
		if offered(want) {
			return want, nil
		}
		return "", fmt.Errorf("%w: %s not offered", ErrNoOAuth, want)
	}
	for _, m := range []string{MechXOAUTH2, MechOAUTHBEARER} {
		if offered(m) {
			return m, nil
		}
	}
	return "", ErrNoOAuth
}

// oauthClient is a SASL client for XOAUTH2 or OAUTHBEARER whose failure challenge (the
// server's JSON error) is acknowledged as the mechanisms require, so that the server ends
// the exchange with its own refusal; the JSON is kept for the error message.
type oauthClient struct {
	mech    string
	authzid string
	token   string
	host    string
	port    int
	refusal string // the server's error challenge, if any

	// deferIR: send the initial response after the server's first (empty) challenge, not on
	// the command line. SMTP needs it: a command line is limited to 512 octets (RFC 4954 §4,
	// RFC 5321 §4.5.3.1.4) and a token is longer; Dovecot answers "Line too long".
	deferIR bool
	sentIR  bool
}

func newOAuthClient(mech, authzid, token, addr string) *oauthClient {
	c := &oauthClient{mech: mech, authzid: authzid, token: token}
	if h, p, err := net.SplitHostPort(addr); err == nil {
		c.host = h
		c.port, _ = strconv.Atoi(p)
	}
	return c
}

func (c *oauthClient) Start() (string, []byte, error) {
	if c.deferIR {
		return c.mech, nil, nil
	}
	return c.initial()
}

func (c *oauthClient) initial() (string, []byte, error) {
	if c.mech == MechXOAUTH2 {
		// XOAUTH2 (Google's format): user=<BAL>^Aauth=Bearer <token>^A^A.
		return MechXOAUTH2, []byte("user=" + c.authzid + "\x01auth=Bearer " + c.token + "\x01\x01"), nil
	}
	return sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{
		Username: c.authzid, Token: c.token, Host: c.host, Port: c.port,
	}).Start()
}

// Next answers the server's challenges: the empty one that asks for a deferred initial
// response, and the error report. XOAUTH2
// wants an empty response, OAUTHBEARER a single 0x01 (RFC 7628 §3.2.3).
func (c *oauthClient) Next(challenge []byte) ([]byte, error) {
	if c.deferIR && !c.sentIR {
		c.sentIR = true
		_, ir, err := c.initial()
		return ir, err
	}
	var e struct {
		Status string `json:"status"`
	}
	if json.Unmarshal(challenge, &e) == nil && e.Status != "" {
		c.refusal = e.Status
	} else {
		c.refusal = "unreadable error report"
	}
	if c.mech == MechXOAUTH2 {
		return []byte{}, nil
	}
	return []byte{0x01}, nil
}

// oauthToken asks the token source for a token, bounded by ctx.
func oauthToken(ctx context.Context, ts TokenSource) (string, error) {
	tok, err := ts.Token(ctx)
	if err != nil {
		return "", fmt.Errorf("mail: OAuth token: %w", err)
	}
	if strings.TrimSpace(tok) == "" || strings.ContainsAny(tok, "\x01\r\n ") {
		return "", errors.New("mail: OAuth token: empty or malformed token")
	}
	return tok, nil
}

// refused wraps a server's refusal of token as ErrTokenRefused and tells the source.
func refused(ts TokenSource, token, proto, bal string, c *oauthClient, err error) error {
	if inv, ok := ts.(TokenInvalidator); ok {
		inv.Invalidate(token)
	}
	why := ""
	if c.refusal != "" {
		why = " (" + c.refusal + ")"
	}
	return fmt.Errorf("%w: %s %s %s%s: %v", ErrTokenRefused, proto, c.mech, bal, why, err)
}
