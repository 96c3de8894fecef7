package mail

import (
	"crypto/tls"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"comptoir/cps/cpstest"
	"comptoir/mail/internal/mailgen"
	"comptoir/store"
)

const orgBAL = "org@sandbox.mssante.test"

// counter is a second workstation on the rig's Dovecot: another card holder (the
// PharmacienCPS3 fixture, a master user there) with its own cache.
func (r *rig) counter(bals ...string) (*Engine, *store.Store) {
	r.t.Helper()
	cert, key, err := r.pki.IssuePerson(cpstest.PharmacienCPS3.Person)
	if err != nil {
		r.t.Fatal(err)
	}
	st := openCache(r.t, key)
	cfg := r.config(bals...)
	cfg.Cert = tls.Certificate{Certificate: [][]byte{cert.Raw, r.pki.Personnes().Raw}, PrivateKey: key}
	cfg.Store = st
	cfg.Author = "PharmacienCPS3"
	return NewEngine(cfg), st
}

// serverFlags are the flags Dovecot holds for the message with subject in folder of bal.
func (r *rig) serverFlags(bal, folder, subject string) string {
	r.t.Helper()
	out, err := r.dov.Doveadm(r.ctx, "fetch", "-u", bal, "flags", "mailbox", folder, "header", "Subject", subject)
	if err != nil {
		r.t.Fatal(err)
	}
	return out
}

// findRef returns the message with subject that st holds in folder of bal. Callers sync
// first (SyncOnce returns once the pass is stored): nothing to wait for.
func findRef(t *testing.T, st *store.Store, bal, folder, subject string) store.Ref {
	t.Helper()
	envs, err := st.Page(bal, folder, 0, 100)
	if err != nil {
		t.Fatalf("%s/%s: %v", bal, folder, err)
	}
	for _, e := range envs {
		if strings.Contains(e.Subject, subject) {
			return e.Ref
		}
	}
	t.Fatalf("%s/%s: no message %q", bal, folder, subject)
	return store.Ref{}
}

// Two counters on one shared BAL: a keyword set at the first survives the second marking
// the message read from its older view (a flag change is sent as +FLAGS/-FLAGS, never as a
// replacement of every flag).
func TestSharedFlagsKeepOtherCountersChanges(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	raw := mailgen.Message(7, 0, orgBAL)
	r.deliver(orgBAL, "INBOX", raw)
	a := NewEngine(r.config(orgBAL))
	b, stB := r.counter(orgBAL)
	if err := a.SyncOnce(r.ctx, orgBAL); err != nil {
		t.Fatal(err)
	}
	if err := b.SyncOnce(r.ctx, orgBAL); err != nil {
		t.Fatal(err)
	}
	subject := "Ordonnance n°0"
	refA := findRef(t, r.store, orgBAL, "INBOX", subject)
	refB := findRef(t, stB, orgBAL, "INBOX", subject)

	envA, _ := r.store.Envelope(refA)
	if err := a.SetFlags(refA, append(envA.Flags, "$Traite")); err != nil {
		t.Fatal(err)
	}
	if err := a.SyncOnce(r.ctx, orgBAL); err != nil { // pushes the pending operations
		t.Fatal(err)
	}
	// The second counter has not synchronised since: it marks the message read.
	if err := b.MarkRead(refB); err != nil {
		t.Fatal(err)
	}
	if err := b.SyncOnce(r.ctx, orgBAL); err != nil {
		t.Fatal(err)
	}
	got := r.serverFlags(orgBAL, "INBOX", subject)
	if !strings.Contains(got, "$Traite") || !strings.Contains(got, `\Seen`) {
		t.Fatalf("server flags after both counters: %q, want $Traite and \\Seen", got)
	}
	// And taking a keyword off removes only that one.
	if err := b.ChangeFlags(refB, nil, []string{"$Traite"}); err != nil {
		t.Fatal(err)
	}
	if err := b.SyncOnce(r.ctx, orgBAL); err != nil {
		t.Fatal(err)
	}
	if got := r.serverFlags(orgBAL, "INBOX", subject); strings.Contains(got, "$Traite") || !strings.Contains(got, `\Seen`) {
		t.Fatalf("server flags after -$Traite: %q", got)
	}
}

// Flag changes queued offline merge: the last word on each flag wins.
func TestMergeFlagOps(t *testing.T) {
	a := op{Kind: opFlags, Add: []string{"$Traite", `\Seen`}}
	b := op{Kind: opFlags, Remove: []string{`\Seen`}, Add: []string{"$Forwarded"}}
	m := mergeFlagOps(a, b)
	if !slices.Equal(m.Add, []string{"$Traite", "$Forwarded"}) || !slices.Equal(m.Remove, []string{`\Seen`}) {
		t.Fatalf("merged: add %v remove %v", m.Add, m.Remove)
	}
	old := op{Kind: opFlags, Flags: []string{`\Seen`}}
	m = mergeFlagOps(old, op{Kind: opFlags, Add: []string{"$Traite"}, Remove: []string{`\Seen`}})
	if !slices.Equal(m.Flags, []string{"$Traite"}) {
		t.Fatalf("merged into a replacement: %v", m.Flags)
	}
}

// A sent message is in the store's Sent folder when Sent is emitted: the list shows it at
// once, not at the next pass.
func TestSentShowsAtOnce(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	cfg := r.config()
	cfg.IdleRefresh = time.Hour // no full pass may bring it in meanwhile
	e := NewEngine(cfg)
	e.Start(r.ctx)
	t.Cleanup(e.Stop)
	waitEvent[Synced](t, e.Events(), 20*time.Second, nil)
	if _, err := e.Send(r.ctx, draft("Commande de Mme Roussel")); err != nil {
		t.Fatal(err)
	}
	sent := waitEvent[Sent](t, e.Events(), 10*time.Second, nil)
	envs, err := r.store.Page(testBAL, "Sent", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(envs, func(e store.Envelope) bool { return e.MessageID == sent.MessageID }) {
		t.Fatalf("Sent in the store when the Sent event comes: %d messages, none <%s>", len(envs), sent.MessageID)
	}
	if !slices.ContainsFunc(envs, func(e store.Envelope) bool {
		return len(e.To) == 1 && e.To[0].Email == orgBAL
	}) {
		t.Fatal("the sent message's recipients are not in the store")
	}
}

// Archive moves a message to the \Archive folder (Dovecot's "Archives"); the next pass brings
// it there in the store.
func TestArchiveDovecot(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.deliver(testBAL, "INBOX", mailgen.Message(8, 0, testBAL))
	e := NewEngine(r.config())
	if err := e.SyncOnce(r.ctx, testBAL); err != nil {
		t.Fatal(err)
	}
	ref := findRef(t, r.store, testBAL, "INBOX", "Ordonnance")
	if err := e.Archive(ref); err != nil {
		t.Fatal(err)
	}
	if total, _, _ := r.store.Counts(testBAL, "INBOX"); total != 0 {
		t.Fatalf("INBOX still holds %d messages in the store", total)
	}
	if err := e.SyncOnce(r.ctx, testBAL); err != nil {
		t.Fatal(err)
	}
	out, err := r.dov.Doveadm(r.ctx, "search", "-u", testBAL, "mailbox", "Archives", "all")
	if err != nil || strings.Count(out, "\n") != 1 {
		t.Fatalf("Archives on the server: %q %v", out, err)
	}
	findRef(t, r.store, testBAL, "Archives", "Ordonnance")
}

// AppendTo creates the folder when missing and files the message there.
func TestAppendToNewFolder(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	e := NewEngine(r.config())
	raw := "From: <" + testBAL + ">\r\nTo: <" + testBAL + ">\r\nSubject: [Comptoir] traité\r\nMessage-ID: <j1@comptoir.invalid>\r\nIn-Reply-To: <x@y>\r\n\r\nrien\r\n"
	if err := e.AppendTo(testBAL, "Suivi Comptoir", []byte(raw)); err != nil {
		t.Fatal(err)
	}
	if err := e.SyncOnce(r.ctx, testBAL); err != nil {
		t.Fatal(err)
	}
	ref := findRef(t, r.store, testBAL, "Suivi Comptoir", "[Comptoir] traité")
	env, _ := r.store.Envelope(ref)
	if env.InReplyTo != "x@y" {
		t.Fatalf("journal entry In-Reply-To %q", env.InReplyTo)
	}
}

// An outbox item is cancelled before submission; one at the operator, or whose attempt has
// an unknown outcome, cannot be.
func TestCancelOutbox(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	e := NewEngine(r.config())
	id, err := e.Send(r.ctx, draft("À annuler"))
	if err != nil {
		t.Fatal(err)
	}
	if e.OutboxDSN(id) == nil {
		t.Fatal("the DSN request is not kept with the item")
	}
	it, err := e.CancelOutbox(id)
	if err != nil || it.ID != id || len(it.Raw) == 0 {
		t.Fatalf("cancel: %+v %v", it.ID, err)
	}
	if items, _ := r.store.Outbox(); len(items) != 0 {
		t.Fatalf("outbox holds %d items after the cancel", len(items))
	}
	if e.OutboxDSN(id) != nil {
		t.Fatal("the DSN request outlived its item")
	}
	if _, err := e.CancelOutbox(id); !errors.Is(err, ErrNoOutboxItem) {
		t.Fatalf("second cancel: %v, want ErrNoOutboxItem", err)
	}
	// Unknown outcome (the process stopped while the server answered): not cancellable.
	id, _ = e.Send(r.ctx, draft("Envoi incertain"))
	if err := r.store.OutboxFailed(id, submittingMark); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CancelOutbox(id); !errors.Is(err, ErrSubmitted) {
		t.Fatalf("cancel with an unknown outcome: %v, want ErrSubmitted", err)
	}
	// Submitted: not cancellable; the worker files it.
	id2, _ := e.Send(r.ctx, draft("Déjà parti"))
	if err := r.store.MarkSubmitted(id2); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CancelOutbox(id2); !errors.Is(err, ErrSubmitted) {
		t.Fatalf("cancel a submitted item: %v, want ErrSubmitted", err)
	}
	// Being submitted: not cancellable.
	id3, _ := e.Send(r.ctx, draft("En cours"))
	if ok, err := e.claim(id3); !ok || err != nil {
		t.Fatalf("claim: %v %v", ok, err)
	}
	if _, err := e.CancelOutbox(id3); !errors.Is(err, ErrSubmitted) {
		t.Fatalf("cancel during submission: %v, want ErrSubmitted", err)
	}
	e.release(id3)
	// A cancelled item is never claimed for submission.
	if _, err := e.CancelOutbox(id3); err != nil {
		t.Fatal(err)
	}
	if ok, _ := e.claim(id3); ok {
		t.Fatal("a cancelled item was claimed for submission")
	}
}

// A local change not pushed yet is not undone by a pass that reads the server's older
// flags; keywords compare case aside (the sandbox folds them to lower case).
func TestPendingFlagsSurviveAPass(t *testing.T) {
	o := op{Kind: opFlags, Add: []string{"$Traite"}, Remove: []string{`\Seen`}}
	if got := applyFlagOp([]string{`\Seen`, `\Flagged`}, o); !slices.Equal(got, []string{"$Traite", `\Flagged`}) {
		t.Fatalf("server flags with the pending change: %v", got)
	}
	if !sameFlags([]string{"$traite", `\Seen`}, []string{`\Seen`, "$Traite"}) {
		t.Fatal("$traite and $Traite differ")
	}
}

// A change made while the pending ones are being pushed reaches the server: the user marks
// the message « traité » while its \Seen (from opening it) is on its way. The new change
// merges into the pending one being pushed; it must not leave the list with it (in CI the
// mark vanished from the counter and never reached the other).
func TestChangeDuringPushIsNotLost(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.deliver(orgBAL, "INBOX", mailgen.Message(8, 0, orgBAL))
	e := NewEngine(r.config(orgBAL))
	if err := e.SyncOnce(r.ctx, orgBAL); err != nil {
		t.Fatal(err)
	}
	subject := "Ordonnance n°0"
	ref := findRef(t, r.store, orgBAL, "INBOX", subject)
	if err := e.MarkRead(ref); err != nil {
		t.Fatal(err)
	}
	marked := false
	e.afterPush = func(op) {
		if !marked {
			marked = true
			if err := e.ChangeFlags(ref, []string{"$Traite"}, nil); err != nil {
				t.Error(err)
			}
		}
	}
	if err := e.SyncOnce(r.ctx, orgBAL); err != nil { // pushes \Seen; $Traite comes meanwhile
		t.Fatal(err)
	}
	if !marked {
		t.Fatal("no pending operation was pushed")
	}
	e.afterPush = nil
	if err := e.SyncOnce(r.ctx, orgBAL); err != nil { // pushes what is left, then compares flags
		t.Fatal(err)
	}
	if got := r.serverFlags(orgBAL, "INBOX", subject); !strings.Contains(got, "$Traite") || !strings.Contains(got, `\Seen`) {
		t.Errorf("server flags: %q, want $Traite and \\Seen", got)
	}
	if env, _ := r.store.Envelope(ref); !hasFlag(env.Flags, "$Traite") {
		t.Errorf("the counter's own flags: %v, want $Traite", env.Flags)
	}
}
