package mail

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"comptoir/cps/cpstest"
)

// TestCardSessions opens Dovecot sessions with SoftHSM cards: a CPS4 (TLS 1.3, RSA-PSS) and
// a CPS3 (PKCS#1 v1.5 only, so TLS 1.2). Each connection costs exactly one private-key
// operation of the card, and none is resumed without it.
func TestCardSessions(t *testing.T) {
	r := newRig(t)
	cards, err := cpstest.NewCards(t.TempDir(), r.pki)
	if err != nil {
		t.Fatal(err)
	}
	m, err := cards.Open()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []cpstest.Fixture{cpstest.Titulaire, cpstest.PharmacienCPS3} {
		t.Run(f.Label, func(t *testing.T) {
			card, err := cards.Login(r.ctx, m, f)
			if err != nil {
				t.Fatal(err)
			}
			defer card.Close()
			wantTLS := uint16(tls.VersionTLS13)
			if f.NoPSS {
				wantTLS = tls.VersionTLS12
			}
			if card.MaxTLSVersion() != wantTLS {
				t.Fatalf("MaxTLSVersion = %x, want %x", card.MaxTLSVersion(), wantTLS)
			}
			cfg := r.config()
			cfg.Cert, cfg.MaxTLS = card.TLSCertificate(), card.MaxTLSVersion()
			e := NewEngine(cfg)
			for i := range 2 {
				before := card.PrivateKeyOps()
				if err := e.SyncOnce(r.ctx, testBAL); err != nil {
					t.Fatalf("session %d: %v", i, err)
				}
				if n := card.PrivateKeyOps() - before; n != 1 {
					t.Errorf("session %d used %d private-key operations, want 1", i, n)
				}
			}
		})
	}
}

// TestRefuseAuthWithoutTLS: a server that does not let the session become encrypted never
// sees an authentication attempt.
func TestRefuseAuthWithoutTLS(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got := make(chan string, 10)
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		fmt.Fprint(c, "* OK [CAPABILITY IMAP4rev1 AUTH=EXTERNAL AUTH=PLAIN] plaintext server\r\n")
		sc := bufio.NewScanner(c)
		for sc.Scan() {
			line := sc.Text()
			got <- line
			var tag, cmd string
			fmt.Sscan(line, &tag, &cmd)
			fmt.Fprintf(c, "%s NO %s refused\r\n", tag, cmd)
		}
	}()
	pool := x509.NewCertPool()
	pool.AddCert(selfSigned(t, "TEST AC").cert)
	op := Operator{IMAPAddr: l.Addr().String(), RootCAs: pool}
	_, _, err = op.DialIMAP(t.Context(), Credentials{BAL: testBAL}, nil)
	if !errors.Is(err, ErrNoTLS) {
		t.Fatalf("err = %v, want ErrNoTLS", err)
	}
	for len(got) > 0 {
		line := <-got
		if len(line) > 0 && (strings.Contains(line, "AUTHENTICATE") || strings.Contains(line, "LOGIN")) {
			t.Fatalf("the client tried to authenticate in clear text: %q", line)
		}
	}
}
