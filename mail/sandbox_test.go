package mail

import (
	"context"
	"crypto/tls"
	"log/slog"
	"strings"
	"testing"
	"time"

	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cps/cpstest"
	"comptoir/mail/msg"
)

// TestSandboxInterop runs the engine against the sandbox operator: the titulaire's card
// opens the pharmacy's ORG BAL through the authorization identity, sends to a patient
// (Mon Espace Santé domain) with a DSN request, and receives the bounce of an unknown INS.
func TestSandboxInterop(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pki, err := cpstest.NewPKI(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sandbox.Start(ctx, sandbox.Options{DataDir: t.TempDir(), PKI: pki, Seed: true, ValidationDelay: time.Hour,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	a := sandbox.Seed(srv.Domain())
	cert, key, err := pki.IssuePerson(cpstest.Titulaire.Person)
	if err != nil {
		t.Fatal(err)
	}
	pool, crls, err := LoadTrust(srv.TrustAnchorPath())
	if err != nil {
		t.Fatal(err)
	}
	st := openCache(t, key)
	e := NewEngine(EngineConfig{
		Operator: Operator{IMAPAddr: srv.IMAPAddr(), SMTPAddr: srv.SMTPAddr(), ServerName: srv.ServerName(),
			RootCAs: pool, CRLs: append(crls, pki.CRLs()...), Domain: srv.Domain()},
		Cert:  tls.Certificate{Certificate: [][]byte{cert.Raw, pki.Personnes().Raw}, PrivateKey: key},
		Store: st, BALs: []string{a.Pharmacy}, Author: "BONNEFOY Élise", NIL: "Comptoir/test",
		Logger: slog.New(slog.DiscardHandler),
	})
	if err := e.SyncOnce(ctx, a.Pharmacy); err != nil {
		t.Fatalf("ORG BAL sync: %v", err)
	}
	before, _, err := st.Counts(a.Pharmacy, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	if before == 0 {
		t.Error("the seeded ORG BAL INBOX synced empty")
	}

	ins := sandbox.SeedPatientINS()[0]
	d := msg.Draft{From: msg.Address{Name: "Pharmacie des Tilleuls", Email: a.Pharmacy},
		To: []msg.Address{{Email: ins + "@" + sandbox.PatientDomain}}, Subject: "Votre commande est prête",
		Text: "Bonjour, votre commande est disponible à la pharmacie.", RequestDSN: true, NoReplyExpected: true}
	built := mustPrepare(t, e, d)
	if _, err := e.QueueBuilt(a.Pharmacy, built); err != nil {
		t.Fatal(err)
	}
	d2 := d
	d2.To = []msg.Address{{Email: "299999999999999@" + sandbox.PatientDomain}}
	d2.Subject = "Patient inconnu"
	if _, err := e.QueueBuilt(a.Pharmacy, mustPrepare(t, e, d2)); err != nil {
		t.Fatal(err)
	}
	if err := e.FlushOnce(ctx, a.Pharmacy); err != nil {
		t.Fatal(err)
	}
	if items, _ := st.Outbox(); len(items) != 0 {
		t.Fatalf("outbox still holds %d items", len(items))
	}
	sent, err := srv.FolderMessages(a.Pharmacy, "Sent")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, raw := range sent {
		if strings.Contains(string(raw), "<"+built.MessageID+">") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d copies of the patient message in Sent, want 1", n)
	}
	// The bounce of the unknown INS comes back as a DSN and is recognised.
	if err := e.SyncOnce(ctx, a.Pharmacy); err != nil {
		t.Fatal(err)
	}
	page, err := st.Page(a.Pharmacy, "INBOX", 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	dsn := false
	for _, env := range page {
		dsn = dsn || env.Kind == "dsn"
	}
	if !dsn {
		t.Error("no DSN for the unknown patient in the ORG BAL INBOX")
	}
}

func mustPrepare(t *testing.T, e *Engine, d msg.Draft) *msg.Built {
	t.Helper()
	b, err := e.Prepare(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
