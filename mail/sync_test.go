package mail

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"comptoir/mail/internal/mailgen"
	"comptoir/store"
)

func TestSyncFromDovecot(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	const n = 40
	for i := range n {
		r.deliver(testBAL, "INBOX", mailgen.Message(1, i, testBAL))
	}
	r.deliver(testBAL, "Sent", mailgen.Message(2, 0, "renee.martin@medecin.mssante.fr"))
	cfg := r.config()
	cfg.Policy.MaxSize = 100 // outside INBOX, only tiny bodies are kept: the Sent message keeps its envelope only
	e := NewEngine(cfg)
	if err := e.SyncOnce(r.ctx, testBAL); err != nil {
		t.Fatal(err)
	}
	if got := r.signer.n.Load(); got != 1 {
		t.Errorf("private-key operations for one connection: %d, want 1", got)
	}
	total, unread, err := r.store.Counts(testBAL, "INBOX")
	if err != nil || total != n || unread != n {
		t.Fatalf("INBOX counts = %d, %d, %v; want %d, %d", total, unread, err, n, n)
	}
	folders, err := r.store.Folders(testBAL)
	if err != nil {
		t.Fatal(err)
	}
	uses := map[string]string{}
	for _, f := range folders {
		uses[f.Name] = f.SpecialUse
	}
	if uses["Sent"] != `\Sent` || uses["Trash"] != `\Trash` {
		t.Errorf("special-use folders: %v", uses)
	}
	sent, err := r.store.Page(testBAL, "Sent", 0, 10)
	if err != nil || len(sent) != 1 || !strings.HasPrefix(sent[0].Subject, "Ordonnance n°0") {
		t.Fatalf("Sent folder: %+v %v", sent, err)
	}
	if _, err := r.store.Body(sent[0].Ref); !errors.Is(err, store.ErrNoBody) {
		t.Errorf("Sent body over the size policy: %v, want ErrNoBody", err)
	}
	page, err := r.store.Page(testBAL, "INBOX", 0, n)
	if err != nil {
		t.Fatal(err)
	}
	withPDF := 0
	for _, env := range page {
		if !strings.HasPrefix(env.Subject, "Ordonnance n°") || env.From.Name != "Dr Renée Martin" {
			t.Fatalf("envelope: subject %q from %+v", env.Subject, env.From)
		}
		body, err := r.store.Body(env.Ref)
		if err != nil || int64(len(body)) != env.Size {
			t.Fatalf("body of UID %d: %d bytes, %v; size %d", env.UID, len(body), err, env.Size)
		}
		if len(env.Attachments) == 1 && env.Attachments[0].ContentType == "application/pdf" {
			withPDF++
		}
	}
	if withPDF == 0 {
		t.Error("no message with a PDF attachment indexed")
	}

	// Changes on the server: a flag, an expunge, a new message.
	first := page[len(page)-1].Ref
	last := page[0].Ref
	if _, err := r.dov.Doveadm(r.ctx, "flags", "add", "-u", testBAL, `\Flagged`, "mailbox", "INBOX", "uid", fmt.Sprint(first.UID)); err != nil {
		t.Fatal(err)
	}
	if _, err := r.dov.Doveadm(r.ctx, "expunge", "-u", testBAL, "mailbox", "INBOX", "uid", fmt.Sprint(last.UID)); err != nil {
		t.Fatal(err)
	}
	r.deliver(testBAL, "INBOX", mailgen.Message(1, 1000, testBAL))
	if err := e.SyncOnce(r.ctx, testBAL); err != nil {
		t.Fatal(err)
	}
	env, err := r.store.Envelope(first)
	if err != nil || !slices.Contains(env.Flags, `\Flagged`) {
		t.Errorf("flag from the server not synced: %v %v", env.Flags, err)
	}
	if _, err := r.store.Envelope(last); err == nil {
		t.Error("expunged message still in the store")
	}
	if total, _, _ := r.store.Counts(testBAL, "INBOX"); total != n {
		t.Errorf("INBOX has %d messages after one expunge and one arrival, want %d", total, n)
	}

	// Local changes reach the server.
	if err := e.MarkRead(first); err != nil {
		t.Fatal(err)
	}
	second := page[len(page)-2].Ref
	if err := e.Delete(second); err != nil {
		t.Fatal(err)
	}
	if err := e.SyncOnce(r.ctx, testBAL); err != nil {
		t.Fatal(err)
	}
	out, err := r.dov.Doveadm(r.ctx, "fetch", "-u", testBAL, "flags", "mailbox", "INBOX", "uid", fmt.Sprint(first.UID))
	if err != nil || !strings.Contains(out, `\Seen`) || !strings.Contains(out, `\Flagged`) {
		t.Errorf("server flags after MarkRead: %q %v", out, err)
	}
	out, err = r.dov.Doveadm(r.ctx, "search", "-u", testBAL, "mailbox", "Trash", "all")
	if err != nil || strings.Count(out, "\n") != 1 {
		t.Errorf("Trash after Delete: %q %v", out, err)
	}
	if total, _, _ := r.store.Counts(testBAL, "Trash"); total != 1 {
		t.Errorf("local Trash has %d messages, want 1", total)
	}

	// The audit journal has the login, fetches, read, flags and delete; no contents.
	entries, err := r.store.AuditQuery(store.AuditFilter{BAL: testBAL})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, a := range entries {
		seen[a.Action] = true
		if a.Author == "" || strings.Contains(a.Request+a.Response, "ordonnance") {
			t.Errorf("audit entry %+v", a)
		}
	}
	for _, want := range []string{ActionLogin, ActionFetch, ActionRead, ActionFlags, ActionDelete} {
		if !seen[want] {
			t.Errorf("no %q entry in the audit journal (%v)", want, seen)
		}
	}

	// No-op incremental sync.
	start := time.Now()
	if err := e.SyncOnce(r.ctx, testBAL); err != nil {
		t.Fatal(err)
	}
	t.Logf("incremental sync with nothing new (connect included): %v", time.Since(start))
}

func TestUIDValidityChange(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	for i := range 3 {
		r.deliver(testBAL, "INBOX", mailgen.Message(3, i, testBAL))
	}
	e := NewEngine(r.config())
	if err := e.SyncOnce(r.ctx, testBAL); err != nil {
		t.Fatal(err)
	}
	f, err := r.store.Folder(testBAL, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	// Forge a different UIDVALIDITY in the store: the next pass must refetch everything.
	f.UIDValidity++
	if err := r.store.PutFolder(f); err != nil {
		t.Fatal(err)
	}
	if err := r.store.PutMessages([]store.Message{{Envelope: store.Envelope{Ref: store.Ref{BAL: testBAL, Folder: "INBOX", UID: 999}, Subject: "stale"}}}); err != nil {
		t.Fatal(err)
	}
	if err := e.SyncOnce(r.ctx, testBAL); err != nil {
		t.Fatal(err)
	}
	uids, _ := r.store.UIDs(testBAL, "INBOX")
	if len(uids) != 3 || slices.Contains(uids, 999) {
		t.Fatalf("UIDs after UIDVALIDITY change: %v", uids)
	}
}
