// Package smtptest runs a misbehaving submission server for tests, as net/http/httptest
// runs HTTP servers: Stalling takes a whole message and never acknowledges it (a server
// stuck in its content filter, or a network path that drops the reply). It speaks enough
// SMTP for the client of package mail: STARTTLS, EHLO, AUTH EXTERNAL with any client
// certificate, MAIL, RCPT and DATA. It is test support, never used by the application.
package smtptest

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
)

// Stalling is a submission server that reads each message to its final dot and then says
// nothing until the client hangs up.
type Stalling struct {
	// Addr is the host:port to dial.
	Addr string

	l    net.Listener
	tls  *tls.Config
	wg   sync.WaitGroup
	once sync.Once

	stalled, gone chan struct{}
	stallOnce     sync.Once
	goneOnce      sync.Once

	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

// Start listens on a loopback port with cert as the server certificate.
func Start(cert tls.Certificate) (*Stalling, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("smtptest: listen: %w", err)
	}
	s := &Stalling{Addr: l.Addr().String(), l: l, stalled: make(chan struct{}), gone: make(chan struct{}),
		conns: map[net.Conn]struct{}{},
		tls:   &tls.Config{Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequireAnyClientCert, MinVersion: tls.VersionTLS12}}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Stalled is closed once a message was read to its end and left unanswered.
func (s *Stalling) Stalled() <-chan struct{} { return s.stalled }

// ClientGone is closed once a client whose message stalled closed its connection.
func (s *Stalling) ClientGone() <-chan struct{} { return s.gone }

// Close stops listening and drops every connection.
func (s *Stalling) Close() error {
	var err error
	s.once.Do(func() {
		err = s.l.Close()
		s.mu.Lock()
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return err
}

func (s *Stalling) accept() {
	defer s.wg.Done()
	for {
		c, err := s.l.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serve(c)
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
			c.Close()
		}()
	}
}

// serve runs one SMTP conversation; it returns when the client hangs up.
func (s *Stalling) serve(raw net.Conn) {
	var conn net.Conn = raw
	r := bufio.NewReader(conn)
	say := func(lines ...string) bool {
		_, err := io.WriteString(conn, strings.Join(lines, "\r\n")+"\r\n")
		return err == nil
	}
	if !say("220 stalling.test ESMTP") {
		return
	}
	secure := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		verb := strings.ToUpper(strings.Fields(line + " x")[0])
		switch {
		case verb == "EHLO" && !secure:
			say("250-stalling.test", "250 STARTTLS")
		case verb == "EHLO":
			say("250-stalling.test", "250-AUTH EXTERNAL", "250-8BITMIME", "250 SIZE 104857600")
		case verb == "STARTTLS" && !secure:
			if !say("220 2.0.0 go ahead") {
				return
			}
			tc := tls.Server(raw, s.tls)
			if tc.Handshake() != nil {
				return
			}
			conn, r, secure = tc, bufio.NewReader(tc), true
		case verb == "AUTH" && secure:
			say("235 2.7.0 authenticated")
		case verb == "MAIL" || verb == "RCPT" || verb == "RSET" || verb == "NOOP":
			say("250 2.0.0 ok")
		case verb == "DATA":
			if !say("354 go ahead") {
				return
			}
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
			}
			s.stallOnce.Do(func() { close(s.stalled) })
			// Never answer: wait for the client to hang up.
			_, _ = io.Copy(io.Discard, r)
			s.goneOnce.Do(func() { close(s.gone) })
			return
		case verb == "QUIT":
			say("221 2.0.0 bye")
			return
		default:
			say("502 5.5.1 not implemented")
		}
	}
}
