package sandbox

import (
	"net"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-smtp"
)

// xoauth2 is a minimal XOAUTH2 client for the refusal tests.
type xoauth2 struct{ user, token string }

func (x xoauth2) Start() (string, []byte, error) {
	return "XOAUTH2", []byte("user=" + x.user + "\x01auth=Bearer " + x.token + "\x01\x01"), nil
}
func (x xoauth2) Next([]byte) ([]byte, error) { return []byte{}, nil }

// TestPSCOAuthMechanisms: XOAUTH2 and OAUTHBEARER are offered after TLS, refused before it
// (IMAP and SMTP), and a token that does not verify is refused.
func TestPSCOAuthMechanisms(t *testing.T) {
	e := startEnv(t, nil)
	c, err := imapclient.DialStartTLS(e.srv.IMAPAddr(), &imapclient.Options{TLSConfig: e.clientTLS(nil)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	caps, err := c.Capability().Wait()
	if err != nil {
		t.Fatal(err)
	}
	if !caps.Has(imap.AuthCap("XOAUTH2")) || !caps.Has(imap.AuthCap("OAUTHBEARER")) {
		t.Fatalf("capabilities after TLS: %v", caps)
	}
	err = c.Authenticate(xoauth2{user: e.a.Titulaire, token: "not-a-token"})
	if err == nil || !strings.Contains(err.Error(), "Token refused") {
		t.Fatalf("a bad token: %v, want Token refused", err)
	}

	conn, err := net.Dial("tcp", e.srv.IMAPAddr())
	if err != nil {
		t.Fatal(err)
	}
	plain := imapclient.New(conn, nil)
	defer plain.Close()
	if err := plain.Authenticate(xoauth2{user: e.a.Titulaire, token: "x"}); err == nil ||
		!strings.Contains(err.Error(), "TLS") {
		t.Fatalf("IMAP XOAUTH2 before TLS: %v, want a TLS refusal", err)
	}

	sc, err := smtp.Dial(e.srv.SMTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	if err := sc.Auth(xoauth2{user: e.a.Titulaire, token: "x"}); smtpCode(err) != 523 {
		t.Fatalf("SMTP XOAUTH2 before TLS: %v, want 523", err)
	}
}
