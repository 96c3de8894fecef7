package mail

import (
	"crypto/tls"
	"errors"
	"strings"
	"testing"

	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cps/cpstest"
	"comptoir/mail/internal/dovecottest"
)

// TestPSCDovecotOAuth: real Dovecot (oauth2 passdb, local JWT validation with the PSC
// stand-in's key) accepts the e-CPS token from the mail client with XOAUTH2 and
// OAUTHBEARER, for the BALs the national id has a right on, and refuses the others.
func TestPSCDovecotOAuth(t *testing.T) {
	t.Parallel()
	r := newPSCRig(t, sandbox.PSCOptions{})
	srvCert, err := r.pki.ServerCertificate()
	if err != nil {
		t.Fatal(err)
	}
	tit := cpstest.Titulaire.NationalID
	const other = "org@sandbox.mssante.test"
	dov, err := dovecottest.Start(r.ctx, t.TempDir(), dovecottest.Options{CAPEM: r.pki.CAPEM(), CRLPEM: r.pki.CRLPEM(),
		ServerCert: srvCert, Users: []string{testBAL, other}, Masters: []string{tit},
		OAuth: &dovecottest.OAuth{Issuer: r.srv.PSCIssuer(), KeyPEM: r.srv.PSC().PublicKeyPEM(), KeyID: r.srv.PSC().KeyID(),
			Azp: sandbox.PSCClientID, Rights: map[string][]string{tit: {testBAL}}}})
	if err != nil {
		t.Fatal(err)
	}
	defer dov.Close()
	if err := dov.Deliver(r.ctx, testBAL, "INBOX", []byte("From: a@b\r\nSubject: hi\r\n\r\nhello\r\n")); err != nil {
		t.Fatalf("%v\n%s", err, dov.Log())
	}
	s := r.login(tit)
	op := Operator{IMAPAddr: dov.IMAPAddr, SMTPAddr: dov.SubmissionAddr, ServerName: "localhost",
		RootCAs: r.pki.RootPool(), CRLs: r.pki.CRLs(), Domain: "sandbox.mssante.test", LocalAddr: loopback(31)}
	for _, mech := range []string{MechXOAUTH2, MechOAUTHBEARER} {
		t.Run(mech, func(t *testing.T) {
			op := op
			op.OAuthMech = mech
			cr := Credentials{BAL: testBAL, Token: s}
			c, _, err := op.DialIMAP(r.ctx, cr, nil)
			if err != nil {
				t.Fatalf("IMAP %s: %v\n%s", mech, err, dov.Log())
			}
			defer c.Close()
			sel, err := c.Select("INBOX", nil).Wait()
			if err != nil || sel.NumMessages != 1 {
				t.Fatalf("SELECT INBOX: %v, %d messages", err, sel.NumMessages)
			}
			sc, err := op.DialSMTP(r.ctx, cr)
			if err != nil {
				t.Fatalf("submission %s: %v\n%s", mech, err, dov.Log())
			}
			defer sc.Close()
			raw := "From: " + testBAL + "\r\nTo: " + other + "\r\nSubject: PSC " + mech + "\r\n\r\nBonjour.\r\n"
			if err := sc.SendMail(testBAL, []string{other}, strings.NewReader(raw)); err != nil {
				t.Fatalf("send: %v", err)
			}
		})
	}
	t.Run("no right on the BAL", func(t *testing.T) {
		op := op
		op.LocalAddr = loopback(32)
		_, _, err := op.DialIMAP(r.ctx, Credentials{BAL: other, Token: s}, nil)
		if !errors.Is(err, ErrTokenRefused) {
			t.Fatalf("got %v, want ErrTokenRefused\n%s", err, dov.Log())
		}
	})
	t.Run("forged token", func(t *testing.T) {
		op := op
		op.LocalAddr = loopback(33)
		tok, err := s.Token(r.ctx)
		if err != nil {
			t.Fatal(err)
		}
		forged := tok[:strings.LastIndexByte(tok, '.')+1] + "AAAA" + tok[strings.LastIndexByte(tok, '.')+5:]
		_, _, err = op.DialIMAP(r.ctx, Credentials{BAL: testBAL, Token: &staticSource{tok: forged}}, nil)
		if !errors.Is(err, ErrTokenRefused) {
			t.Fatalf("got %v, want ErrTokenRefused", err)
		}
	})
	t.Run("card still works, and only with a certificate", func(t *testing.T) {
		cert, key, err := r.pki.IssuePerson(cpstest.Titulaire.Person)
		if err != nil {
			t.Fatal(err)
		}
		card := tls.Certificate{Certificate: [][]byte{cert.Raw, r.pki.Personnes().Raw}, PrivateKey: key}
		c, _, err := op.DialIMAP(r.ctx, Credentials{Cert: card, BAL: testBAL}, nil)
		if err != nil {
			t.Fatalf("EXTERNAL with the card: %v\n%s", err, dov.Log())
		}
		c.Close()
		op := op
		op.LocalAddr = loopback(34)
		if _, _, err := op.DialIMAP(r.ctx, Credentials{BAL: testBAL}, nil); !errors.Is(err, ErrAuthRefused) {
			t.Fatalf("EXTERNAL without a certificate: %v, want ErrAuthRefused", err)
		}
	})
}
