package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Sentinel errors of the connection layer, for callers that choose what to tell the user and
// whether to retry.
var (
	// ErrNoTLS: the server did not let the session become encrypted; the client never
	// authenticates in clear text (Dovecot, for one, accepts that on loopback).
	ErrNoTLS = errors.New("mail: server offers no TLS, refusing to authenticate")
	// ErrNoExternal: the server does not offer SASL EXTERNAL.
	ErrNoExternal = errors.New("mail: server does not offer SASL EXTERNAL")
	// ErrAuthRefused: the server refused the card or the BAL (retrying will not help).
	ErrAuthRefused = errors.New("mail: authentication refused")
)

// loginTimeout bounds dial + TLS + authentication when ctx has no earlier deadline.
const loginTimeout = 30 * time.Second

// Credentials is what a connection authenticates with: the card's certificate (its
// PrivateKey is the card's crypto.Signer), the TLS version cap the card allows, and the BAL
// used as SASL authorization identity. With Token set (a Pro Santé Connect login) the
// connection offers no certificate and authenticates with XOAUTH2 or OAUTHBEARER instead of
// EXTERNAL, the BAL being the user (XOAUTH2) or authorization identity (OAUTHBEARER).
type Credentials struct {
	Cert   tls.Certificate
	MaxTLS uint16
	BAL    string
	Token  TokenSource
}

// mechanism names, for the audit journal, how the credentials authenticate (the token
// itself is never written).
func (c Credentials) mechanism() string {
	if c.Token != nil {
		return "OAUTH" // XOAUTH2 or OAUTHBEARER, whichever the server offers
	}
	return "EXTERNAL"
}

func (op Operator) dial(ctx context.Context, addr string) (net.Conn, error) {
	d := net.Dialer{LocalAddr: op.LocalAddr, KeepAlive: 30 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("mail: dial %s: %w", addr, err)
	}
	deadline, ok := ctx.Deadline()
	if !ok || time.Until(deadline) > loginTimeout {
		deadline = time.Now().Add(loginTimeout)
	}
	_ = conn.SetDeadline(deadline)
	return conn, nil
}

// DialIMAP opens an authenticated IMAP session: TCP, STARTTLS (or implicit TLS), CAPABILITY
// (with TLS 1.3 a refused client certificate only shows at the first read), then
// AUTHENTICATE EXTERNAL with the BAL as authorization identity, or XOAUTH2/OAUTHBEARER with
// a token when cr.Token is set. handler receives unsolicited data (EXISTS, EXPUNGE, FETCH)
// for IDLE.
func (op Operator) DialIMAP(ctx context.Context, cr Credentials, handler *imapclient.UnilateralDataHandler) (*imapclient.Client, imap.CapSet, error) {
	c, caps, _, err := op.dialIMAP(ctx, cr, handler, nil)
	return c, caps, err
}

// dialIMAP is DialIMAP that also returns the server's response to the authentication, read
// by rec (which stays on the connection for the session's later commands; nil: none).
func (op Operator) dialIMAP(ctx context.Context, cr Credentials, handler *imapclient.UnilateralDataHandler, rec *responses) (*imapclient.Client, imap.CapSet, string, error) {
	c, caps, err := op.dialIMAPWith(ctx, cr, handler, rec)
	return c, caps, rec.stop(), err
}

func (op Operator) dialIMAPWith(ctx context.Context, cr Credentials, handler *imapclient.UnilateralDataHandler, rec *responses) (*imapclient.Client, imap.CapSet, error) {
	cfg, err := op.tlsConfig(ctx, cr.Cert, cr.MaxTLS, op.serverName(op.IMAPAddr))
	if err != nil {
		return nil, nil, err
	}
	conn, err := op.dial(ctx, op.IMAPAddr)
	if err != nil {
		return nil, nil, err
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	opts := &imapclient.Options{TLSConfig: cfg, UnilateralDataHandler: handler}
	if rec != nil {
		opts.DebugWriter = rec
	}
	var c *imapclient.Client
	if op.IMAPImplicitTLS {
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, nil, fmt.Errorf("mail: TLS with %s: %w", op.IMAPAddr, err)
		}
		c = imapclient.New(tc, opts)
	} else {
		c, err = imapclient.NewStartTLS(conn, opts)
		if err != nil {
			conn.Close()
			var refused *imap.Error
			if errors.As(err, &refused) {
				return nil, nil, fmt.Errorf("%w (%s: %v)", ErrNoTLS, op.IMAPAddr, err)
			}
			return nil, nil, fmt.Errorf("mail: STARTTLS with %s: %w", op.IMAPAddr, err)
		}
	}
	caps, err := c.Capability().Wait()
	if err != nil {
		c.Close()
		if certRefused(err) {
			return nil, nil, fmt.Errorf("%w: IMAP %s refused the card's certificate: %v", ErrAuthRefused, op.IMAPAddr, err)
		}
		return nil, nil, fmt.Errorf("mail: TLS session with %s: %w", op.IMAPAddr, err)
	}
	rec.start() // the authentication's response, whichever mechanism
	if cr.Token != nil {
		if err := op.imapOAuth(ctx, c, caps, cr); err != nil {
			c.Close()
			return nil, nil, err
		}
		caps = c.Caps()
		_ = conn.SetDeadline(time.Time{})
		return c, caps, nil
	}
	if !caps.Has(imap.AuthCap("EXTERNAL")) {
		c.Close()
		return nil, nil, fmt.Errorf("%w (%s)", ErrNoExternal, op.IMAPAddr)
	}
	if err := c.Authenticate(sasl.NewExternalClient(cr.BAL)); err != nil {
		c.Close()
		if isNetOrTLS(err) {
			return nil, nil, fmt.Errorf("mail: IMAP login %s: %w", cr.BAL, err)
		}
		return nil, nil, fmt.Errorf("%w: IMAP %s: %v", ErrAuthRefused, cr.BAL, err)
	}
	caps = c.Caps()
	_ = conn.SetDeadline(time.Time{})
	return c, caps, nil
}

// DialSMTP opens an authenticated submission session (STARTTLS or implicit TLS, EXTERNAL,
// or XOAUTH2/OAUTHBEARER when cr.Token is set). The session is bound to ctx for its whole
// life: when ctx ends (a lock, a card pulled), its connection is closed and whatever command
// waits on the server returns at once. Login is bounded by loginTimeout, each later command
// by smtpCommandTimeout (see SMTPClient for the message itself).
func (op Operator) DialSMTP(ctx context.Context, cr Credentials) (*SMTPClient, error) {
	c, _, err := op.dialSMTP(ctx, cr)
	return c, err
}

// dialSMTP is DialSMTP that also returns the server's reply to the authentication.
func (op Operator) dialSMTP(ctx context.Context, cr Credentials) (*SMTPClient, string, error) {
	rec := newSMTPResponses()
	c, err := op.dialSMTPWith(ctx, cr, rec)
	resp := rec.stop()
	if c != nil {
		c.DebugWriter = nil
	}
	return c, resp, err
}

func (op Operator) dialSMTPWith(ctx context.Context, cr Credentials, rec *responses) (*SMTPClient, error) {
	cfg, err := op.tlsConfig(ctx, cr.Cert, cr.MaxTLS, op.serverName(op.SMTPAddr))
	if err != nil {
		return nil, err
	}
	raw, err := op.dial(ctx, op.SMTPAddr)
	if err != nil {
		return nil, err
	}
	_ = raw.SetDeadline(time.Time{}) // the login is bounded below; go-smtp sets its own per command
	var conn net.Conn = progressConn{Conn: raw, idle: smtpWriteIdle}
	// go-smtp replaces connection deadlines at each command: the login's bound is a timer
	// that closes the connection, as is the end of ctx.
	lctx, cancel := context.WithTimeout(ctx, loginTimeout)
	defer cancel()
	stopLogin := context.AfterFunc(lctx, func() { raw.Close() })
	defer stopLogin()
	var c *smtp.Client
	if op.SMTPImplicitTLS {
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(lctx); err != nil {
			raw.Close()
			return nil, fmt.Errorf("mail: TLS with %s: %w", op.SMTPAddr, err)
		}
		c = smtp.NewClient(tc)
	} else {
		c, err = smtp.NewClientStartTLS(conn, cfg)
		if err != nil {
			raw.Close()
			if strings.Contains(err.Error(), "STARTTLS") {
				return nil, fmt.Errorf("%w (%s: %v)", ErrNoTLS, op.SMTPAddr, err)
			}
			return nil, fmt.Errorf("mail: STARTTLS with %s: %w", op.SMTPAddr, err)
		}
	}
	if err := c.Hello("localhost"); err != nil {
		c.Close()
		if certRefused(err) {
			return nil, fmt.Errorf("%w: SMTP %s refused the card's certificate: %v", ErrAuthRefused, op.SMTPAddr, err)
		}
		return nil, fmt.Errorf("mail: TLS session with %s: %w", op.SMTPAddr, err)
	}
	if _, ok := c.TLSConnectionState(); !ok {
		c.Close()
		return nil, ErrNoTLS
	}
	c.DebugWriter = rec
	rec.start() // the authentication's reply, whichever mechanism
	if cr.Token != nil {
		if err := op.smtpOAuth(lctx, c, cr); err != nil {
			c.Close()
			return nil, err
		}
		return bindSMTP(ctx, c, raw, stopLogin)
	}
	if ok, mechs := c.Extension("AUTH"); !ok || !hasWord(mechs, "EXTERNAL") {
		c.Close()
		return nil, fmt.Errorf("%w (%s)", ErrNoExternal, op.SMTPAddr)
	}
	if err := c.Auth(sasl.NewExternalClient(cr.BAL)); err != nil {
		c.Close()
		if isNetOrTLS(err) {
			return nil, fmt.Errorf("mail: SMTP login %s: %w", cr.BAL, err)
		}
		return nil, fmt.Errorf("%w: SMTP %s: %v", ErrAuthRefused, cr.BAL, err)
	}
	return bindSMTP(ctx, c, raw, stopLogin)
}

// imapOAuth authenticates an encrypted IMAP session with the token source's current token.
func (op Operator) imapOAuth(ctx context.Context, c *imapclient.Client, caps imap.CapSet, cr Credentials) error {
	mech, err := pickOAuthMech(func(m string) bool { return caps.Has(imap.AuthCap(m)) }, op.OAuthMech)
	if err != nil {
		return fmt.Errorf("%w (%s)", err, op.IMAPAddr)
	}
	tok, err := oauthToken(ctx, cr.Token)
	if err != nil {
		return err
	}
	sc := newOAuthClient(mech, cr.BAL, tok, op.IMAPAddr)
	if err := c.Authenticate(sc); err != nil {
		if isNetOrTLS(err) {
			return fmt.Errorf("mail: IMAP login %s: %w", cr.BAL, err)
		}
		return refused(cr.Token, tok, "IMAP", cr.BAL, sc, err)
	}
	return nil
}

// smtpOAuth authenticates an encrypted submission session with the current token.
func (op Operator) smtpOAuth(ctx context.Context, c *smtp.Client, cr Credentials) error {
	_, mechs := c.Extension("AUTH")
	mech, err := pickOAuthMech(func(m string) bool { return hasWord(mechs, m) }, op.OAuthMech)
	if err != nil {
		return fmt.Errorf("%w (%s)", err, op.SMTPAddr)
	}
	tok, err := oauthToken(ctx, cr.Token)
	if err != nil {
		return err
	}
	sc := newOAuthClient(mech, cr.BAL, tok, op.SMTPAddr)
	sc.deferIR = true
	if err := c.Auth(sc); err != nil {
		if isNetOrTLS(err) {
			return fmt.Errorf("mail: SMTP login %s: %w", cr.BAL, err)
		}
		return refused(cr.Token, tok, "SMTP", cr.BAL, sc, err)
	}
	return nil
}

// certRefused recognises the alerts a server sends when it refuses the client certificate
// (with TLS 1.3 they arrive at the first read after the handshake). Go reports received
// alerts only as text ("remote error: tls: …").
func certRefused(err error) bool {
	msg := err.Error()
	for _, a := range []string{"bad certificate", "certificate required", "unknown certificate authority",
		"revoked certificate", "expired certificate", "unsupported certificate", "unknown certificate", "access denied"} {
		if strings.Contains(msg, "remote error: tls: "+a) {
			return true
		}
	}
	return false
}

func hasWord(list, w string) bool {
	for _, f := range strings.Fields(list) {
		if strings.EqualFold(f, w) {
			return true
		}
	}
	return false
}

// isNetOrTLS tells transport failures (worth a retry) from protocol refusals.
func isNetOrTLS(err error) bool {
	var ne net.Error
	var alert tls.AlertError
	var rec tls.RecordHeaderError
	var cv *tls.CertificateVerificationError
	return errors.As(err, &ne) || errors.As(err, &alert) || errors.As(err, &rec) || errors.As(err, &cv) ||
		errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "tls:") || strings.Contains(err.Error(), "EOF")
}
