package mail

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"comptoir/cps/cpstest"
	"comptoir/mail/internal/faultproxy"
	"comptoir/mail/internal/mailgen"
	"comptoir/store"
)

// TestCutMidFetch: the connection drops in the middle of the bodies; the next pass resumes
// and the store ends with every message exactly once.
func TestCutMidFetch(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	const n = 60
	for i := range n {
		r.deliver(testBAL, "INBOX", mailgen.Message(6, i, testBAL))
	}
	p, err := faultproxy.Start(r.dov.IMAPAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	cfg := r.config()
	cfg.Operator.IMAPAddr = p.Addr
	e := NewEngine(cfg)
	p.CutNextAfter(1 << 20) // about a third of the mailbox
	err = e.SyncOnce(r.ctx, testBAL)
	if err == nil || p.Cuts() != 1 {
		t.Fatalf("first pass: err %v, cuts %d; want an error after the cut", err, p.Cuts())
	}
	// What arrived before the cut is stored for good: the writer commits its last batch
	// even when the connection fails.
	partial, _ := r.store.UIDs(testBAL, "INBOX")
	if len(partial) == 0 || len(partial) >= n {
		t.Fatalf("stored before the cut: %d of %d messages; want some, not all", len(partial), n)
	}
	before := map[uint32][]byte{}
	for _, uid := range partial {
		body, err := r.store.Body(store.Ref{BAL: testBAL, Folder: "INBOX", UID: uid})
		if err != nil {
			t.Fatalf("UID %d stored before the cut has no body: %v", uid, err)
		}
		before[uid] = body
	}
	resumed := time.Now()
	if err := e.SyncOnce(r.ctx, testBAL); err != nil {
		t.Fatal(err)
	}
	// The resync fetches only what is missing, and keeps what was stored.
	fetched := 0
	audit, _ := r.store.AuditQuery(store.AuditFilter{From: resumed, Action: ActionFetch})
	for _, a := range audit {
		var withBody, streamed int
		if _, err := fmt.Sscanf(a.Request, "UID FETCH INBOX (%d with body, %d streamed)", &withBody, &streamed); err == nil {
			fetched += withBody + streamed
		}
	}
	if fetched != n-len(partial) {
		t.Errorf("the resync fetched %d bodies, want the %d missing ones", fetched, n-len(partial))
	}
	for uid, body := range before {
		got, err := r.store.Body(store.Ref{BAL: testBAL, Folder: "INBOX", UID: uid})
		if err != nil || !bytes.Equal(got, body) {
			t.Fatalf("UID %d stored before the cut changed after the resync (err %v)", uid, err)
		}
	}
	uids, _ := r.store.UIDs(testBAL, "INBOX")
	if len(uids) != n || len(slices.Compact(slices.Clone(uids))) != n {
		t.Fatalf("after resuming: %d UIDs (%v), want %d distinct", len(uids), uids, n)
	}
	page, _ := r.store.Page(testBAL, "INBOX", 0, n+10)
	ids := map[string]bool{}
	for _, env := range page {
		if ids[env.MessageID] {
			t.Fatalf("duplicate message %s", env.MessageID)
		}
		ids[env.MessageID] = true
		if _, err := r.store.Body(env.Ref); err != nil {
			t.Fatalf("UID %d lost its body: %v", env.UID, err)
		}
	}
}

// TestTLSRefusals: the client refuses what it must and surfaces the server's refusals.
func TestTLSRefusals(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	cr := Credentials{Cert: r.cert, BAL: testBAL}

	op := r.op
	op.Trust, op.RootCAs = nil, nil
	if _, _, err := op.DialIMAP(r.ctx, cr, nil); !errors.Is(err, ErrNoTrustStore) {
		t.Errorf("no trust store: %v", err)
	}
	op = r.op
	op.ServerName = "imap.autre-operateur.fr"
	if _, _, err := op.DialIMAP(r.ctx, cr, nil); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("wrong host name: %v", err)
	}
	// A card the server does not know (not a declared certificate user), from another
	// source address because Dovecot delays the next login after a failure.
	stranger, key, err := r.pki.IssuePerson(cpstestStranger)
	if err != nil {
		t.Fatal(err)
	}
	op = r.op
	op.LocalAddr = loopback(2)
	cr2 := cr
	cr2.Cert.Certificate = [][]byte{stranger.Raw, r.pki.Personnes().Raw}
	cr2.Cert.PrivateKey = key
	if _, _, err := op.DialIMAP(r.ctx, cr2, nil); !errors.Is(err, ErrAuthRefused) {
		t.Errorf("unknown card: %v", err)
	}
	// A BAL the card may not open.
	op.LocalAddr = loopback(3)
	cr3 := cr
	cr3.BAL = "inconnu@sandbox.mssante.test"
	if _, _, err := op.DialIMAP(r.ctx, cr3, nil); !errors.Is(err, ErrAuthRefused) {
		t.Errorf("unknown BAL: %v", err)
	}
	// No client certificate at all: TLS 1.3 reports it at the first read (CAPABILITY).
	op.LocalAddr = loopback(4)
	cr4 := cr
	cr4.Cert = tlsNoCert
	if _, _, err := op.DialIMAP(r.ctx, cr4, nil); !errors.Is(err, ErrAuthRefused) {
		t.Errorf("no client certificate: %v, want ErrAuthRefused", err)
	}
	// A revoked server certificate (CRL from the trust store and the distribution point;
	// the session's verifier would keep its fresh CRL until half of its validity).
	if err := r.pki.Revoke(r.srvCert.Leaf.SerialNumber); err != nil {
		t.Fatal(err)
	}
	op = r.op
	op.LocalAddr = loopback(5)
	op.Trust = nil
	op.CRLs = r.pki.CRLs()
	if _, _, err := op.DialIMAP(r.ctx, cr, nil); !errors.Is(err, ErrRevoked) {
		t.Errorf("revoked server certificate: %v", err)
	}
}

// TestKilledDuringSend runs the engine in a child process, kills it right after the
// submission was accepted (before Sent and ack), restarts it: the message is delivered once
// and filed once.
func TestKilledDuringSend(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	dir := t.TempDir()
	cache := filepath.Join(dir, "cache.db")
	run := func(stage string) {
		cmd := exec.CommandContext(r.ctx, os.Args[0], "-test.run=^TestSendChild$")
		cmd.Env = append(os.Environ(), "MAIL_CHILD_CACHE="+cache, "MAIL_CHILD_STAGE="+stage,
			"MAIL_CHILD_IMAP="+r.dov.IMAPAddr, "MAIL_CHILD_SMTP="+r.dov.SubmissionAddr, "MAIL_CHILD_PKI="+r.pki.Dir())
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if line == "submitted" && stage == "kill" {
				_ = cmd.Process.Kill()
				break
			}
		}
		_ = cmd.Wait()
	}
	run("kill")
	if n := len(r.dov.Relay.Received()); n != 1 {
		t.Fatalf("relay got %d messages before the restart, want 1", n)
	}
	// The kill is deterministic (the child blocks right after recording the submission), so
	// the message must be submitted and not yet filed in Sent: the window under test.
	if out, err := r.dov.Doveadm(r.ctx, "search", "-u", testBAL, "mailbox", "Sent", "all"); err != nil || strings.TrimSpace(out) != "" {
		t.Fatalf("after the kill Sent holds %q (%v): the kill missed the window between submission and filing", out, err)
	}
	run("resume")
	if n := len(r.dov.Relay.Received()); n != 1 {
		t.Fatalf("relay got %d messages after the restart, want 1 (no resubmission)", n)
	}
	out, err := r.dov.Doveadm(r.ctx, "search", "-u", testBAL, "mailbox", "Sent", "all")
	if err != nil || strings.Count(out, "\n") != 1 {
		t.Fatalf("Sent holds %q (%v), want exactly one copy", out, err)
	}
	st := r.openStore(cache)
	if items, _ := st.Outbox(); len(items) != 0 {
		t.Fatalf("outbox still holds %d items", len(items))
	}
}

var cpstestStranger = cpstest.Person{NationalID: "899700999999", Surname: "INCONNU", GivenName: "Paul", Profession: "Pharmacien"}

var tlsNoCert = tls.Certificate{}

// killWindow stops the child right after the server accepted the message and the outbox
// recorded it, before the copy is filed in Sent: the parent kills it there, every time.
type killWindow struct{ *store.Store }

func (k killWindow) MarkSubmitted(id string) error {
	if err := k.Store.MarkSubmitted(id); err != nil {
		return err
	}
	fmt.Println("submitted")
	select {} // killed here
}

// TestSendChild is the child process of TestKilledDuringSend (it does nothing otherwise):
// stage "kill" queues a message and prints "submitted" once the server accepted it and the
// outbox recorded it, then blocks until the parent kills it; stage "resume" runs one session
// to completion.
func TestSendChild(t *testing.T) {
	cache := os.Getenv("MAIL_CHILD_CACHE")
	if cache == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pki, err := cpstest.NewPKI(os.Getenv("MAIL_CHILD_PKI"))
	if err != nil {
		t.Fatal(err)
	}
	cert, key, err := pki.IssuePerson(cpstest.Titulaire.Person)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(cache, key, store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg := EngineConfig{
		Operator: Operator{IMAPAddr: os.Getenv("MAIL_CHILD_IMAP"), SMTPAddr: os.Getenv("MAIL_CHILD_SMTP"),
			ServerName: "localhost", RootCAs: pki.RootPool()},
		Cert:  tls.Certificate{Certificate: [][]byte{cert.Raw, pki.Personnes().Raw}, PrivateKey: key},
		Store: st, BALs: []string{testBAL}, Author: "child", NIL: "Comptoir/test",
		Logger: slog.New(slog.DiscardHandler),
	}
	switch os.Getenv("MAIL_CHILD_STAGE") {
	case "kill":
		cfg.Store = killWindow{st}
		e := NewEngine(cfg)
		if _, err := e.Send(ctx, draft("Tué pendant l'envoi")); err != nil {
			t.Fatal(err)
		}
		if err := e.FlushOnce(ctx, testBAL); err != nil {
			t.Fatal(err)
		}
		t.Fatal("the flush returned: the child was not killed in the window")
	case "resume":
		e := NewEngine(cfg)
		if err := e.SyncOnce(ctx, testBAL); err != nil {
			t.Fatal(err)
		}
	}
}
