package mail

import (
	"context"
	"crypto/x509"
	"net"
	"testing"
	"time"

	"comptoir/cps/cpstest"
)

// TestTrustRevokedServerCertRefused: the operator's server certificate is revoked and
// its CRL is published at its distribution point: IMAP and submission refuse the server.
func TestTrustRevokedServerCertRefused(t *testing.T) {
	t.Parallel()
	e := startTrustEnv(t, cpstest.ServerOptions{})
	if err := e.pki.Revoke(e.pki.issued.Leaf.SerialNumber); err != nil {
		t.Fatal(err)
	}
	imapErr, smtpErr := e.dial(e.operator())
	if imapErr == nil || smtpErr == nil {
		t.Fatalf("revoked server certificate accepted: IMAP %v, SMTP %v", imapErr, smtpErr)
	}
}

// TestTrustMissingCRLRefused: the distribution point is down and no CRL is known: the
// client cannot tell whether the server is revoked and refuses it.
func TestTrustMissingCRLRefused(t *testing.T) {
	t.Parallel()
	e := startTrustEnv(t, cpstest.ServerOptions{})
	e.pki.setMode(crlDown)
	imapErr, smtpErr := e.dial(e.operator())
	if imapErr == nil || smtpErr == nil {
		t.Fatalf("server accepted without any CRL: IMAP %v, SMTP %v", imapErr, smtpErr)
	}
}

// TestTrustStaleCRLRefused: only CRLs whose NextUpdate has passed are available, from
// the distribution point and from the trust store.
func TestTrustStaleCRLRefused(t *testing.T) {
	t.Parallel()
	e := startTrustEnv(t, cpstest.ServerOptions{})
	e.pki.setMode(crlStale)
	op := e.operator()
	for _, ca := range []*x509.Certificate{e.pki.Root(), e.pki.Organisations()} {
		der, err := e.pki.SignCRL(ca, time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		op.CRLs = append(op.CRLs, der)
	}
	imapErr, smtpErr := e.dial(op)
	if imapErr == nil || smtpErr == nil {
		t.Fatalf("server accepted with stale CRLs: IMAP %v, SMTP %v", imapErr, smtpErr)
	}
}

// TestTrustCRLRefreshed: a session that has read the CRLs keeps up with them: once the
// server certificate is revoked and the CRL it holds has expired, the next connection
// sees the new CRL.
func TestTrustCRLRefreshed(t *testing.T) {
	t.Parallel()
	e := startTrustEnv(t, cpstest.ServerOptions{})
	op := e.operator()
	op.CRLs = e.pki.CRLs()
	if imapErr, smtpErr := e.dial(op); imapErr != nil || smtpErr != nil {
		t.Fatalf("first connection: IMAP %v, SMTP %v", imapErr, smtpErr)
	}
	if err := e.pki.Revoke(e.pki.issued.Leaf.SerialNumber); err != nil {
		t.Fatal(err)
	}
	if imapErr, smtpErr := e.dial(op); imapErr == nil || smtpErr == nil {
		t.Fatalf("revocation never seen: IMAP %v, SMTP %v", imapErr, smtpErr)
	}
}

// TestTrustServerCertFromPersonnesRefused: a certificate from the PERSONNES CA (the
// cards' CA) chains to the IGC-Santé root but never vouches for a server.
func TestTrustServerCertFromPersonnesRefused(t *testing.T) {
	t.Parallel()
	e := startTrustEnv(t, cpstest.ServerOptions{ByPersonnes: true})
	imapErr, smtpErr := e.dial(e.operator())
	if imapErr == nil || smtpErr == nil {
		t.Fatalf("server certificate from the PERSONNES CA accepted: IMAP %v, SMTP %v", imapErr, smtpErr)
	}
}

// TestTrustServerCertWithoutServerAuthRefused: a certificate without the serverAuth
// extended key usage (valid for anything in Go) is not a server certificate.
func TestTrustServerCertWithoutServerAuthRefused(t *testing.T) {
	t.Parallel()
	e := startTrustEnv(t, cpstest.ServerOptions{NoServerAuth: true})
	imapErr, smtpErr := e.dial(e.operator())
	if imapErr == nil || smtpErr == nil {
		t.Fatalf("certificate without serverAuth accepted: IMAP %v, SMTP %v", imapErr, smtpErr)
	}
}

// TestTrustSRVTargetOutsideDomainRefused: a spoofed SRV answer points at a host outside
// the operator's domain (which may hold any IGC-Santé server certificate).
func TestTrustSRVTargetOutsideDomainRefused(t *testing.T) {
	dns := fakeSRV{
		"_imap._tcp.op.fr":       {{Target: "mail.attaquant.example.", Port: 143}},
		"_submission._tcp.op.fr": {{Target: "smtp.op.fr.", Port: 587}},
	}
	if op, err := DiscoverWith(context.Background(), dns, "op.fr"); err == nil {
		t.Fatalf("SRV target outside the domain accepted: %+v", op)
	}
}

// TestTrustSRVNameIsTheDomain: the name checked in the certificate is the configured
// domain, not the SRV target read from unauthenticated DNS (RFC 6186 §6).
func TestTrustSRVNameIsTheDomain(t *testing.T) {
	dns := fakeSRV{
		"_imap._tcp.op.fr":       {{Target: "imap.op.fr.", Port: 143}},
		"_submission._tcp.op.fr": {{Target: "smtp.op.fr.", Port: 587}},
	}
	op, err := DiscoverWith(context.Background(), dns, "op.fr")
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{op.IMAPAddr, op.SMTPAddr} {
		if host, _, _ := net.SplitHostPort(addr); op.serverName(addr) != "op.fr" {
			t.Errorf("%s: name checked %q, want the domain op.fr", host, op.serverName(addr))
		}
	}
}
