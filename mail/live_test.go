package mail

import (
	"strings"
	"testing"
	"time"

	"comptoir/mail/internal/mailgen"
	"comptoir/mail/msg"
	"comptoir/store"
)

// TestIdleNewMail: with the engine running, a message delivered to INBOX is in the store and
// announced within 2 s.
func TestIdleNewMail(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.deliver(testBAL, "INBOX", mailgen.Message(4, 0, testBAL))
	e := r.startEngine()
	// IDLE starts right after the pass; give it a moment to be entered is not needed: a
	// delivery before IDLE is caught by the INBOX pass that precedes it.
	start := time.Now()
	r.deliver(testBAL, "INBOX", mailgen.Message(4, 1, testBAL))
	nm := waitEvent[NewMail](t, e.Events(), 2*time.Second, nil)
	t.Logf("new message visible after %v", time.Since(start))
	env, err := r.store.Envelope(store.Ref{BAL: testBAL, Folder: "INBOX", UID: nm.UIDs[0]})
	if err != nil || !strings.HasPrefix(env.Subject, "Ordonnance n°1 ") {
		t.Fatalf("new message in store: %+v %v", env.Subject, err)
	}
}

func draft(subject string) msg.Draft {
	return msg.Draft{
		From:       msg.Address{Name: "Élise BONNEFOY", Email: testBAL},
		To:         []msg.Address{{Email: "org@sandbox.mssante.test"}},
		Subject:    subject,
		Text:       "Bonjour,\nla commande est prête.\n",
		RequestDSN: true,
	}
}

// TestSendDovecot: Send → outbox → submission (DSN parameters) → APPEND to Sent → ack.
func TestSendDovecot(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	e := r.startEngine()
	if _, err := e.Send(r.ctx, draft("Commande prête")); err != nil {
		t.Fatal(err)
	}
	sent := waitEvent[Sent](t, e.Events(), 10*time.Second, nil)
	got := r.dov.Relay.Received()
	if len(got) != 1 {
		t.Fatalf("relay got %d messages, want 1", len(got))
	}
	env := got[0]
	if env.From != testBAL || env.EnvelopeID == "" || env.Return != "HDRS" || !strings.Contains(strings.Join(env.Notify["org@sandbox.mssante.test"], ","), "FAILURE") {
		t.Errorf("envelope: from %q envid %q ret %q notify %v", env.From, env.EnvelopeID, env.Return, env.Notify)
	}
	if !strings.Contains(string(env.Data), "X-MSS-NIL: Comptoir/test") {
		t.Error("submitted message has no X-MSS-NIL")
	}
	out, err := r.dov.Doveadm(r.ctx, "search", "-u", testBAL, "mailbox", "Sent", "header", "Message-ID", sent.MessageID)
	if err != nil || strings.Count(out, "\n") != 1 {
		t.Errorf("Sent copy: %q %v", out, err)
	}
	items, _ := r.store.Outbox()
	if len(items) != 0 {
		t.Errorf("outbox still has %d items", len(items))
	}
	// The recipient (a local mailbox) received it once.
	out, _ = r.dov.Doveadm(r.ctx, "search", "-u", "org@sandbox.mssante.test", "mailbox", "INBOX", "all")
	if strings.Count(out, "\n") != 1 {
		t.Errorf("recipient INBOX: %q", out)
	}
	entries, _ := r.store.AuditQuery(store.AuditFilter{BAL: testBAL, Action: ActionSend})
	if len(entries) < 2 {
		t.Errorf("audit has %d send entries, want the submission and the APPEND", len(entries))
	}
}

// TestOfflineThenServerRestart: sending while the server is down queues the message; the
// worker reconnects with backoff once the server is back and sends it exactly once.
func TestOfflineThenServerRestart(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	e := r.startEngine()
	r.dov.Stop()
	waitEvent[Offline](t, e.Events(), 10*time.Second, nil)
	if _, err := e.Send(r.ctx, draft("Envoyé hors ligne")); err != nil {
		t.Fatal(err)
	}
	waitEvent[OutboxCount](t, e.Events(), 5*time.Second, func(c OutboxCount) bool { return c.N == 1 })
	if err := r.dov.Restart(r.ctx); err != nil {
		t.Fatal(err)
	}
	waitEvent[Sent](t, e.Events(), 20*time.Second, nil)
	if n := len(r.dov.Relay.Received()); n != 1 {
		t.Fatalf("relay got %d messages, want 1", n)
	}
	// Still alive after the restart: new mail arrives.
	r.deliver(testBAL, "INBOX", mailgen.Message(5, 0, testBAL))
	waitEvent[NewMail](t, e.Events(), 10*time.Second, nil)
}

// TestSendMDN: a read receipt asked by the sender is built, queued and submitted with the
// null envelope sender, and the audit journal records it.
func TestSendMDN(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	raw := "From: Dr Martin <org@sandbox.mssante.test>\r\nTo: <" + testBAL + ">\r\nSubject: Compte rendu\r\n" +
		"Message-ID: <cr-1@sandbox.mssante.test>\r\nDate: Wed, 25 Nov 2026 10:00:00 +0100\r\n" +
		"Return-Path: <org@sandbox.mssante.test>\r\nDisposition-Notification-To: <org@sandbox.mssante.test>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBonjour.\r\n"
	r.deliver(testBAL, "INBOX", []byte(raw))
	e := NewEngine(r.config())
	if err := e.SyncOnce(r.ctx, testBAL); err != nil {
		t.Fatal(err)
	}
	page, err := r.store.Page(testBAL, "INBOX", 0, 1)
	if err != nil || len(page) != 1 || !page[0].MDNRequested {
		t.Fatalf("envelope: %+v %v", page, err)
	}
	if _, err := e.SendMDN(page[0].Ref, msg.Address{Name: "Élise BONNEFOY", Email: testBAL}); err != nil {
		t.Fatal(err)
	}
	if err := e.FlushOnce(r.ctx, testBAL); err != nil {
		t.Fatal(err)
	}
	got := r.dov.Relay.Received()
	if len(got) != 1 || got[0].From != "" || got[0].To[0] != "org@sandbox.mssante.test" ||
		!strings.Contains(string(got[0].Data), "disposition-notification") {
		t.Fatalf("relayed MDN: %+v", got)
	}
	// Queued, then submitted: the submission with the server's reply.
	entries, _ := r.store.AuditQuery(store.AuditFilter{BAL: testBAL, Action: ActionMDN})
	if len(entries) != 2 || !strings.HasPrefix(entries[0].Response, "250 ") {
		t.Errorf("MDN audit entries %+v, want the queueing and the submission", entries)
	}
}
