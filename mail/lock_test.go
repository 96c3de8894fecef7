package mail

import (
	"context"
	"testing"
	"time"

	"comptoir/cps/cpstest"
	"comptoir/mail/smtptest"
	"comptoir/store"
)

// A submission whose end of DATA the server never acknowledges ends as soon as the
// context that dialled it ends (a lock, a card pulled): the connection is closed, the
// waiting command returns, and the server sees the client hang up.
func TestLockEndsAStalledSubmission(t *testing.T) {
	pki, err := cpstest.NewPKI(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	crl, err := pki.ServeCRLs() // the client refuses a server whose revocation it cannot check
	if err != nil {
		t.Fatal(err)
	}
	defer crl.Close()
	srvCert, err := pki.ServerCertificateCRL(crl.URL)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := pki.PersonCertificate(cpstest.Titulaire.Person)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := smtptest.Start(srvCert)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	op := Operator{SMTPAddr: srv.Addr, ServerName: "localhost", RootCAs: pki.RootPool(), Domain: "sandbox.mssante.test"}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sc, err := op.DialSMTP(ctx, Credentials{Cert: cert, BAL: testBAL})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	done := make(chan error, 1)
	go func() {
		_, _, err := sendData(sc, store.OutboxItem{From: testBAL, To: []string{"a@sandbox.mssante.test"},
			Raw: []byte("Subject: x\r\n\r\nbonjour\r\n")}, nil, nil)
		done <- err
	}()
	select {
	case <-srv.Stalled():
	case err := <-done:
		t.Fatalf("the submission ended before the server stalled: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("the message never reached the server")
	}
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("an unacknowledged submission reported success")
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the submission still waits for the server 2 s after its context ended")
	}
	select {
	case <-srv.ClientGone():
	case <-time.After(2 * time.Second):
		t.Fatal("the client kept the connection open after its context ended")
	}
}
