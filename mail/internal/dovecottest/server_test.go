package dovecottest

import (
	"context"
	"crypto/tls"
	"testing"
	"time"

	"comptoir/cps/cpstest"

	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
)

func TestDovecotExternalLogin(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pki, err := cpstest.NewPKI(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	crlSrv, err := pki.ServeCRLs()
	if err != nil {
		t.Fatal(err)
	}
	defer crlSrv.Close()
	srvCert, err := pki.ServerCertificateCRL(crlSrv.URL)
	if err != nil {
		t.Fatal(err)
	}
	who := cpstest.Titulaire.Person
	cert, key, err := pki.IssuePerson(who)
	if err != nil {
		t.Fatal(err)
	}
	const bal = "elise.bonnefoy@sandbox.mssante.test"
	s, err := Start(ctx, t.TempDir(), Options{CAPEM: pki.CAPEM(), CRLPEM: pki.CRLPEM(), ServerCert: srvCert,
		Users: []string{bal}, Masters: []string{who.NationalID}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Deliver(ctx, bal, "INBOX", []byte("From: a@b\r\nSubject: hi\r\n\r\nhello\r\n")); err != nil {
		t.Fatal(err)
	}
	client := tls.Certificate{Certificate: [][]byte{cert.Raw, pki.Personnes().Raw}, PrivateKey: key}
	c, err := imapclient.DialStartTLS(s.IMAPAddr, &imapclient.Options{TLSConfig: &tls.Config{
		RootCAs: pki.RootPool(), ServerName: "localhost", Certificates: []tls.Certificate{client}}})
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
