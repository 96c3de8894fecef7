package dovecottest

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// Envelope is one message relayed by Dovecot's submission service.
type Envelope struct {
	From       string
	Return     string // DSN RET
	EnvelopeID string // DSN ENVID
	To         []string
	Notify     map[string][]string // DSN NOTIFY per recipient
	Data       []byte
}

// Relay is the SMTP server Dovecot submission relays to. It records every envelope and
// delivers recipients that are local mailboxes back into Dovecot.
type Relay struct {
	Addr string

	srv   *smtp.Server
	owner *Server

	mu       sync.Mutex
	received []Envelope
	changed  chan struct{}
}

func startRelay(host string, owner *Server) (*Relay, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return nil, fmt.Errorf("dovecottest: relay listen: %w", err)
	}
	r := &Relay{Addr: l.Addr().String(), owner: owner, changed: make(chan struct{})}
	r.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &relaySession{r: r}, nil
	}))
	r.srv.Domain = "relay.localhost"
	r.srv.EnableDSN = true
	r.srv.AllowInsecureAuth = true
	r.srv.MaxMessageBytes = 64 << 20
	go func() { _ = r.srv.Serve(l) }()
	return r, nil
}

// Close stops the relay.
func (r *Relay) Close() { _ = r.srv.Close() }

// Received returns a copy of the envelopes relayed so far.
func (r *Relay) Received() []Envelope {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Envelope(nil), r.received...)
}

// WaitReceived waits until at least n envelopes were relayed.
func (r *Relay) WaitReceived(ctx context.Context, n int) ([]Envelope, error) {
	for {
		r.mu.Lock()
		got, ch := append([]Envelope(nil), r.received...), r.changed
		r.mu.Unlock()
		if len(got) >= n {
			return got, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return got, fmt.Errorf("dovecottest: %d of %d messages relayed: %w", len(got), n, ctx.Err())
		}
	}
}

func (r *Relay) add(e Envelope) {
	r.mu.Lock()
	r.received = append(r.received, e)
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
}

type relaySession struct {
	r   *Relay
	env Envelope
}

func (s *relaySession) Reset()        { s.env = Envelope{} }
func (s *relaySession) Logout() error { return nil }

func (s *relaySession) Mail(from string, opts *smtp.MailOptions) error {
	s.env = Envelope{From: from, Notify: map[string][]string{}}
	if opts != nil {
		s.env.Return = string(opts.Return)
		s.env.EnvelopeID = opts.EnvelopeID
	}
	return nil
}

func (s *relaySession) Rcpt(to string, opts *smtp.RcptOptions) error {
	s.env.To = append(s.env.To, to)
	if opts != nil {
		for _, n := range opts.Notify {
			s.env.Notify[to] = append(s.env.Notify[to], string(n))
		}
	}
	return nil
}

func (s *relaySession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.env.Data = data
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, to := range s.env.To {
		if s.r.owner.isUser(to) {
			if err := s.r.owner.Deliver(ctx, strings.ToLower(to), "INBOX", data); err != nil {
				return &smtp.SMTPError{Code: 451, Message: "local delivery failed"}
			}
		}
	}
	s.r.add(s.env)
	return nil
}
