package mail

import (
	"cmp"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
)

// Operator is how to reach one MSSanté operator.
type Operator struct {
	IMAPAddr        string // host:port; STARTTLS unless IMAPImplicitTLS
	SMTPAddr        string // submission host:port; STARTTLS unless SMTPImplicitTLS
	IMAPImplicitTLS bool
	SMTPImplicitTLS bool
	ServerName      string         // name checked in the server certificates; default: host of the address
	RootCAs         *x509.CertPool // the IGC-Santé trust store; nil is refused
	CRLs            [][]byte       // DER CRLs checked when present
	Domain          string
	// OAuthMech forces the SASL mechanism used with a token (MechXOAUTH2 or
	// MechOAUTHBEARER); empty: XOAUTH2 when offered, else OAUTHBEARER.
	OAuthMech string

	// LocalAddr, when set, is the source address of connections (tests use distinct
	// 127.0.0.x addresses because Dovecot delays logins per source address after a failure).
	LocalAddr net.Addr
}

// OperatorConfig is how the operator is configured (app/config reads it from config.json:
// config.Operator.Mail()).
type OperatorConfig struct {
	Domain          string
	IMAP            string // host:port; empty: DNS SRV
	SMTP            string // host:port; empty: DNS SRV
	IMAPImplicitTLS bool
	SMTPImplicitTLS bool
	ServerName      string
	TrustStore      []string // files or directories; empty: the ANS Cryptolib Coffre
}

// ErrNoService means the DNS publishes no usable IMAP or submission service for a domain.
var ErrNoService = errors.New("mail: no IMAP/submission service published for the domain")

// Resolve turns a config into an Operator: missing addresses come from DNS SRV (RFC 6186),
// the trust store is loaded from the configured paths (default DefaultTrustPaths).
func (c OperatorConfig) Resolve(ctx context.Context, r SRVResolver) (Operator, error) {
	op := Operator{Domain: c.Domain, IMAPAddr: c.IMAP, SMTPAddr: c.SMTP,
		IMAPImplicitTLS: c.IMAPImplicitTLS, SMTPImplicitTLS: c.SMTPImplicitTLS, ServerName: c.ServerName}
	if op.IMAPAddr == "" || op.SMTPAddr == "" {
		if c.Domain == "" {
			return op, errors.New("mail: operator config has neither addresses nor domain")
		}
		d, err := DiscoverWith(ctx, r, c.Domain)
		if err != nil {
			return op, err
		}
		if op.IMAPAddr == "" {
			op.IMAPAddr, op.IMAPImplicitTLS = d.IMAPAddr, d.IMAPImplicitTLS
		}
		if op.SMTPAddr == "" {
			op.SMTPAddr, op.SMTPImplicitTLS = d.SMTPAddr, d.SMTPImplicitTLS
		}
	}
	paths := c.TrustStore
	if len(paths) == 0 {
		paths = DefaultTrustPaths()
	}
	pool, crls, err := LoadTrust(paths...)
	if err != nil {
		return op, err
	}
	op.RootCAs, op.CRLs = pool, crls
	return op, nil
}

// SRVResolver is the part of *net.Resolver that discovery uses.
type SRVResolver interface {
	LookupSRV(ctx context.Context, service, proto, name string) (string, []*net.SRV, error)
}

// Discover finds the operator's IMAP and submission servers by DNS SRV (RFC 6186).
func Discover(ctx context.Context, domain string) (Operator, error) {
	return DiscoverWith(ctx, net.DefaultResolver, domain)
}

// DiscoverWith is Discover with a chosen resolver. Among _imap/_imaps (and
// _submission/_submissions) the lowest priority wins, implicit TLS on a tie (RFC 8314); a
// target of "." means "not offered" (RFC 6186 §3.4). The certificate is checked against the
// SRV target: operators' certificates name their hosts, and only IGC-Santé certificates are
// trusted at all.
func DiscoverWith(ctx context.Context, r SRVResolver, domain string) (Operator, error) {
	op := Operator{Domain: domain}
	imapAddr, imapTLS, err := pickSRV(ctx, r, domain, "imap", "imaps")
	if err != nil {
		return op, err
	}
	smtpAddr, smtpTLS, err := pickSRV(ctx, r, domain, "submission", "submissions")
	if err != nil {
		return op, err
	}
	op.IMAPAddr, op.IMAPImplicitTLS = imapAddr, imapTLS
	op.SMTPAddr, op.SMTPImplicitTLS = smtpAddr, smtpTLS
	return op, nil
}

type srvCandidate struct {
	srv      *net.SRV
	implicit bool
}

func pickSRV(ctx context.Context, r SRVResolver, domain, plain, implicit string) (string, bool, error) {
	var cands []srvCandidate
	var lastErr error
	for _, svc := range []string{plain, implicit} {
		_, recs, err := r.LookupSRV(ctx, svc, "tcp", domain)
		if err != nil {
			var dnsErr *net.DNSError
			if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
				lastErr = err
			}
			continue
		}
		for _, s := range recs {
			if s.Target == "." || s.Target == "" || s.Port == 0 {
				continue
			}
			cands = append(cands, srvCandidate{s, svc == implicit})
		}
	}
	if len(cands) == 0 {
		if lastErr != nil {
			return "", false, fmt.Errorf("mail: SRV lookup _%s._tcp.%s: %w", plain, domain, lastErr)
		}
		return "", false, fmt.Errorf("%w: _%s._tcp.%s", ErrNoService, plain, domain)
	}
	best := slices.MinFunc(cands, func(a, b srvCandidate) int {
		if c := cmp.Compare(a.srv.Priority, b.srv.Priority); c != 0 {
			return c
		}
		if a.implicit != b.implicit {
			if a.implicit {
				return -1
			}
			return 1
		}
		return cmp.Compare(b.srv.Weight, a.srv.Weight)
	})
	host := strings.TrimSuffix(best.srv.Target, ".")
	return net.JoinHostPort(host, strconv.Itoa(int(best.srv.Port))), best.implicit, nil
}

func (op Operator) serverName(addr string) string {
	if op.ServerName != "" {
		return op.ServerName
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}
