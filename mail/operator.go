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

	"comptoir/mail/servertrust"
)

// Operator is how to reach one MSSanté operator.
type Operator struct {
	IMAPAddr        string // host:port; STARTTLS unless IMAPImplicitTLS
	SMTPAddr        string // submission host:port; STARTTLS unless SMTPImplicitTLS
	IMAPImplicitTLS bool
	SMTPImplicitTLS bool
	// ServerName is the name checked in both server certificates. Default: the host of a
	// configured address; for an address found by DNS SRV, Domain, or the SRV target
	// itself when Hosts lists it (RFC 6186 §6: unauthenticated DNS never names the
	// identity to check).
	ServerName string
	// Hosts are server host names configured explicitly: an SRV target outside Domain is
	// refused (ErrSRVTarget) unless listed here.
	Hosts []string
	// Trust checks the server chains of IMAP, submission and the provisioning API: anchors,
	// server CA, serverAuth, current CRLs fetched and cached. Build it once per session
	// (Resolve does) and share it. When nil, each connection builds one from RootCAs and
	// CRLs, with no cache.
	Trust   *servertrust.Verifier
	RootCAs *x509.CertPool // the IGC-Santé anchors; used when Trust is nil, which then must not be nil
	CRLs    [][]byte       // DER CRLs of the trust store; used when Trust is nil
	Domain  string
	// OAuthMech forces the SASL mechanism used with a token (MechXOAUTH2 or
	// MechOAUTHBEARER); empty: XOAUTH2 when offered, else OAUTHBEARER.
	OAuthMech string

	// LocalAddr, when set, is the source address of connections (tests use distinct
	// 127.0.0.x addresses because Dovecot delays logins per source address after a failure).
	LocalAddr net.Addr

	imapName, smtpName string // names to check for addresses found by DNS SRV
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
	Hosts           []string // server host names trusted as SRV targets outside the domain
	TrustStore      []string // files or directories; empty: the ANS Cryptolib Coffre
	CRLCache        string   // CRL cache directory; empty: servertrust.DefaultCacheDir
}

// ErrNoService means the DNS publishes no usable IMAP or submission service for a domain.
var ErrNoService = errors.New("mail: no IMAP/submission service published for the domain")

// ErrSRVTarget means a DNS SRV record points outside the operator's domain at a host the
// configuration does not list (RFC 6186 §6).
var ErrSRVTarget = errors.New("mail: SRV target outside the operator's domain")

// Resolve turns a config into an Operator: missing addresses come from DNS SRV (RFC 6186),
// the trust store is loaded from the configured paths (default DefaultTrustPaths), and the
// session's Verifier is built over it with its CRL cache in CRLCache (default
// servertrust.DefaultCacheDir). Call it once per session: the Verifier it returns in
// Operator.Trust is the one to give the provisioning client too.
func (c OperatorConfig) Resolve(ctx context.Context, r SRVResolver) (Operator, error) {
	op := Operator{Domain: c.Domain, IMAPAddr: c.IMAP, SMTPAddr: c.SMTP,
		IMAPImplicitTLS: c.IMAPImplicitTLS, SMTPImplicitTLS: c.SMTPImplicitTLS, ServerName: c.ServerName,
		Hosts: slices.Clone(c.Hosts)}
	if op.IMAPAddr == "" || op.SMTPAddr == "" {
		if c.Domain == "" {
			return op, errors.New("mail: operator config has neither addresses nor domain")
		}
		d, err := discover(ctx, r, c.Domain, c.Hosts)
		if err != nil {
			return op, err
		}
		if op.IMAPAddr == "" {
			op.IMAPAddr, op.IMAPImplicitTLS, op.imapName = d.IMAPAddr, d.IMAPImplicitTLS, d.imapName
		}
		if op.SMTPAddr == "" {
			op.SMTPAddr, op.SMTPImplicitTLS, op.smtpName = d.SMTPAddr, d.SMTPImplicitTLS, d.smtpName
		}
	}
	paths := c.TrustStore
	if len(paths) == 0 {
		paths = DefaultTrustPaths()
	}
	ts, err := LoadTrustStore(paths...)
	if err != nil {
		return op, err
	}
	op.RootCAs, op.CRLs = ts.Roots, ts.CRLs
	cache := c.CRLCache
	if cache == "" {
		cache, _ = servertrust.DefaultCacheDir() // none: CRLs are kept in memory only
	}
	op.Trust, err = servertrust.New(servertrust.Config{Roots: ts.Roots, CRLs: ts.CRLs, CacheDir: cache})
	if err != nil {
		return op, err
	}
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
// target of "." means "not offered" (RFC 6186 §3.4). DNS is not authenticated, so a
// target must be the domain or inside it (ErrSRVTarget otherwise), and the certificate is
// checked against the domain, not the target (RFC 6186 §6): a spoofed record cannot lead
// to a host whose IGC-Santé certificate names something else.
func DiscoverWith(ctx context.Context, r SRVResolver, domain string) (Operator, error) {
	return discover(ctx, r, domain, nil)
}

// discover is DiscoverWith where the targets listed in hosts are accepted wherever they
// are, and checked under their own name (they come from the configuration).
func discover(ctx context.Context, r SRVResolver, domain string, hosts []string) (Operator, error) {
	op := Operator{Domain: domain, Hosts: slices.Clone(hosts)}
	imapAddr, imapTLS, err := pickSRV(ctx, r, domain, "imap", "imaps")
	if err != nil {
		return op, err
	}
	smtpAddr, smtpTLS, err := pickSRV(ctx, r, domain, "submission", "submissions")
	if err != nil {
		return op, err
	}
	if op.imapName, err = srvName(domain, imapAddr, hosts); err != nil {
		return op, err
	}
	if op.smtpName, err = srvName(domain, smtpAddr, hosts); err != nil {
		return op, err
	}
	op.IMAPAddr, op.IMAPImplicitTLS = imapAddr, imapTLS
	op.SMTPAddr, op.SMTPImplicitTLS = smtpAddr, smtpTLS
	return op, nil
}

// srvName is the name to check in the certificate of an SRV target: the target when the
// configuration lists it, otherwise the domain, provided the target lies in it.
func srvName(domain, addr string, hosts []string) (string, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("mail: SRV target %q: %w", addr, err)
	}
	h := normHost(host)
	if slices.ContainsFunc(hosts, func(c string) bool { return normHost(c) == h }) {
		return host, nil
	}
	if d := normHost(domain); h == d || strings.HasSuffix(h, "."+d) {
		return domain, nil
	}
	return "", fmt.Errorf("%w: %s is not in %s nor configured", ErrSRVTarget, host, domain)
}

func normHost(h string) string { return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".") }

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

// serverName is the name checked in the certificate of the server at addr (see
// Operator.ServerName).
func (op Operator) serverName(addr string) string {
	switch {
	case op.ServerName != "":
		return op.ServerName
	case addr == op.IMAPAddr && op.imapName != "":
		return op.imapName
	case addr == op.SMTPAddr && op.smtpName != "":
		return op.smtpName
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}
