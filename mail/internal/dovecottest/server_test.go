package dovecottest

import (
	"context"
	"crypto/tls"
	"testing"
	"time"

	"comptoir/mail/internal/testpki"

	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
)

func TestDovecotExternalLogin(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pki, err := testpki.New()
	if err != nil {
		t.Fatal(err)
	}
	srvCert, err := pki.Server("localhost", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	person, err := pki.Person("810001234567", "DUPONT", "JEAN")
	if err != nil {
		t.Fatal(err)
	}
	crl, err := pki.CRL()
	if err != nil {
		t.Fatal(err)
	}
	const bal = "jean.dupont@sandbox.mssante.test"
	s, err := Start(ctx, t.TempDir(), Options{RootPEM: pki.RootPEM(), CRL: crl, ServerCert: srvCert,
		Users: []string{bal}, Masters: []string{"810001234567"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Deliver(ctx, bal, "INBOX", []byte("From: a@b\r\nSubject: hi\r\n\r\nhello\r\n")); err != nil {
		t.Fatal(err)
	}
	c, err := imapclient.DialStartTLS(s.IMAPAddr, &imapclient.Options{TLSConfig: &tls.Config{
		RootCAs: pki.RootPool(), ServerName: "localhost", Certificates: []tls.Certificate{person}}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Capability().Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Authenticate(sasl.NewExternalClient(bal)); err != nil {
		t.Fatalf("EXTERNAL: %v\n%s", err, s.Log())
	}
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.NumMessages != 1 {
		t.Fatalf("INBOX has %d messages, want 1", sel.NumMessages)
	}
}
