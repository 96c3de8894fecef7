package mail

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"strings"
	"time"
)

// Service names a server of the operator for Probe.
type Service int

const (
	ServiceIMAP Service = iota
	ServiceSubmission
)

// ProbeResult is what Probe found, step by step; the first failing step has its error and
// the later ones were not tried.
type ProbeResult struct {
	Addr      string
	Addresses []string // what the host name resolved to
	DNSErr    error
	TCPErr    error
	// TLSErr covers STARTTLS and the handshake: the server's chain to the trust anchors,
	// its name and revocation, checked exactly as for a real connection.
	TLSErr     error
	TLSVersion uint16
	ServerCert *x509.Certificate
}

// OK reports whether every step passed.
func (r ProbeResult) OK() bool { return r.DNSErr == nil && r.TCPErr == nil && r.TLSErr == nil }

// Probe checks one server without authenticating: DNS, TCP, STARTTLS (or implicit TLS) and
// the server certificate. It never offers a client certificate, so it costs no card
// operation; the login itself is checked by DialIMAP / DialSMTP.
func (op Operator) Probe(ctx context.Context, svc Service) ProbeResult {
	addr, implicit := op.IMAPAddr, op.IMAPImplicitTLS
	if svc == ServiceSubmission {
		addr, implicit = op.SMTPAddr, op.SMTPImplicitTLS
	}
	res := ProbeResult{Addr: addr}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		res.DNSErr = fmt.Errorf("mail: server address %q: %w", addr, err)
		return res
	}
	if res.Addresses, err = net.DefaultResolver.LookupHost(ctx, host); err != nil {
		res.DNSErr = fmt.Errorf("mail: resolve %s: %w", host, err)
		return res
	}
	conn, err := op.dial(ctx, addr)
	if err != nil {
		res.TCPErr = err
		return res
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if !implicit {
		if err := startTLS(conn, svc); err != nil {
			res.TLSErr = fmt.Errorf("mail: STARTTLS with %s: %w", addr, err)
			return res
		}
	}
	cfg, err := op.tlsConfig(ctx, tls.Certificate{}, 0, op.serverName(addr))
	if err != nil {
		res.TLSErr = err
		return res
	}
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		res.TLSErr = fmt.Errorf("mail: TLS with %s: %w", addr, err)
		return res
	}
	cs := tc.ConnectionState()
	res.TLSVersion = cs.Version
	if len(cs.PeerCertificates) > 0 {
		res.ServerCert = cs.PeerCertificates[0]
	}
	return res
}

// startTLS runs the plain-text part of a STARTTLS exchange, up to the server's go-ahead.
func startTLS(conn net.Conn, svc Service) error {
	r := bufio.NewReader(conn)
	line, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	switch svc {
	case ServiceIMAP:
		if !strings.HasPrefix(line, "* OK") {
			return fmt.Errorf("unexpected greeting %q", strings.TrimSpace(line))
		}
		if _, err := conn.Write([]byte("P1 STARTTLS\r\n")); err != nil {
			return err
		}
		for {
			if line, err = r.ReadString('\n'); err != nil {
				return err
			}
			if strings.HasPrefix(line, "P1 ") {
				if !strings.HasPrefix(line, "P1 OK") {
					return fmt.Errorf("%w: %s", ErrNoTLS, strings.TrimSpace(line))
				}
				return nil
			}
		}
	default:
		if !strings.HasPrefix(line, "220") {
			return fmt.Errorf("unexpected greeting %q", strings.TrimSpace(line))
		}
		if _, err := conn.Write([]byte("EHLO comptoir\r\n")); err != nil {
			return err
		}
		tls := false
		for {
			if line, err = r.ReadString('\n'); err != nil {
				return err
			}
			if strings.Contains(strings.ToUpper(line), "STARTTLS") {
				tls = true
			}
			if len(line) < 4 || line[3] != '-' {
				break
			}
		}
		if !tls {
			return ErrNoTLS
		}
		if _, err := conn.Write([]byte("STARTTLS\r\n")); err != nil {
			return err
		}
		if line, err = r.ReadString('\n'); err != nil {
			return err
		}
		if !strings.HasPrefix(line, "220") {
			return fmt.Errorf("%w: %s", ErrNoTLS, strings.TrimSpace(line))
		}
		return nil
	}
}
