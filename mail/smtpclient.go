package mail

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/emersion/go-smtp"
)

// Submission time limits. The lock never waits on them: the session's context closes the
// connection. They bound what a stuck server costs a BAL's worker.
const (
	// smtpCommandTimeout bounds each command's reply (MAIL, RCPT, DATA's 354, RSET, QUIT).
	smtpCommandTimeout = time.Minute
	// smtpWriteIdle bounds each write of the connection, not the whole message: a 25 MB
	// message (about 34 MB in base64) on a 512 kbit/s line takes some 9 minutes, and gets
	// them as long as every TLS record (16 KiB) leaves within a minute.
	smtpWriteIdle = time.Minute
	// smtpDataEndTimeout bounds the reply to the end of DATA, RFC 5321 §4.5.3.2.6's 10
	// minutes: the server may be scanning a large message, and giving up earlier leaves the
	// outcome unknown, with a second copy of a prescription as the risk.
	smtpDataEndTimeout = 10 * time.Minute
)

// SMTPClient is an authenticated submission session (go-smtp's client) bound to the context
// it was dialled with: when the context ends, the connection closes and any command waiting
// on the server fails at once. Quit or Close it to release the binding.
type SMTPClient struct {
	*smtp.Client
	unbind func() bool
}

// bindSMTP ties c to ctx for the rest of its life once the login's own bound is released.
func bindSMTP(ctx context.Context, c *smtp.Client, raw net.Conn, stopLogin func() bool) (*SMTPClient, error) {
	if !stopLogin() || ctx.Err() != nil {
		// The login's timer or ctx already closed the connection.
		c.Close()
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("mail: SMTP login: %w", err)
		}
		return nil, fmt.Errorf("mail: SMTP login: no answer within %v", loginTimeout)
	}
	c.CommandTimeout = smtpCommandTimeout
	c.SubmissionTimeout = smtpDataEndTimeout
	return &SMTPClient{Client: c, unbind: context.AfterFunc(ctx, func() { raw.Close() })}, nil
}

// Quit ends the session politely, and closes it anyway if the server does not answer.
func (c *SMTPClient) Quit() error {
	defer c.unbind()
	if err := c.Client.Quit(); err != nil {
		c.Client.Close()
		return err
	}
	return nil
}

// Close closes the connection.
func (c *SMTPClient) Close() error {
	c.unbind()
	return c.Client.Close()
}

// progressConn gives every write its own deadline: a large message on a slow line has as
// long as it keeps moving, and a server that stops reading fails the write after idle.
type progressConn struct {
	net.Conn
	idle time.Duration
}

func (c progressConn) Write(b []byte) (int, error) {
	_ = c.Conn.SetWriteDeadline(time.Now().Add(c.idle))
	return c.Conn.Write(b)
}
