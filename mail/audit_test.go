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
	"comptoir/store"
)

// auditOf returns the BAL's journal entries of action whose request contains req, oldest first.
func auditOf(t *testing.T, st *store.Store, bal, action, req string) []store.AuditEntry {
	t.Helper()
	entries, err := st.AuditQuery(store.AuditFilter{BAL: bal, Action: action})
	if err != nil {
		t.Fatal(err)
	}
	var out []store.AuditEntry
	for i := len(entries) - 1; i >= 0; i-- {
		if strings.Contains(entries[i].Request, req) {
			out = append(out, entries[i])
		}
	}
	return out
}

// wantResponse checks that the last entry matching action and req holds the server's
// response as match accepts it.
func wantResponse(t *testing.T, st *store.Store, bal, action, req string, match func(string) bool) {
	t.Helper()
	es := auditOf(t, st, bal, action, req)
	if len(es) == 0 {
		t.Errorf("no %s entry for %q", action, req)
		return
	}
	if e := es[len(es)-1]; !e.OK || !match(e.Response) {
		t.Errorf("%s %q: response %q (ok %v), not the server's", action, req, e.Response, e.OK)
	}
}

func equals(want string) func(string) bool { return func(s string) bool { return s == want } }
func hasAll(parts ...string) func(string) bool {
	return func(s string) bool {
		for _, p := range parts {
			if !strings.Contains(s, p) {
				return false
			}
		}
		return true
	}
}

// ECO.4.1.2: the journal records the operator's actual response to each command (here the
// sandbox's go-smtp and go-imap servers), not a fixed "OK" or "250 OK".
func TestAuditRecordsTheSandboxResponses(t *testing.T) {
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
	st := openCache(t, key)
	e := NewEngine(EngineConfig{
		Operator: Operator{IMAPAddr: srv.IMAPAddr(), SMTPAddr: srv.SMTPAddr(), ServerName: srv.ServerName(),
			RootCAs: pki.RootPool(), CRLs: pki.CRLs(), Domain: srv.Domain()},
		Cert:  tls.Certificate{Certificate: [][]byte{cert.Raw, pki.Personnes().Raw}, PrivateKey: key},
		Store: st, BALs: []string{a.Pharmacy}, Author: "BONNEFOY Élise (899700412358)", NIL: "Comptoir/test",
		Logger: slog.New(slog.DiscardHandler),
	})
	bal := a.Pharmacy
	if err := e.SyncOnce(ctx, bal); err != nil {
		t.Fatal(err)
	}
	page, err := st.Page(bal, "INBOX", 0, 50)
	if err != nil || len(page) < 2 {
		t.Fatalf("the seeded inbox: %d messages, %v", len(page), err)
	}
	var asks store.Envelope
	var others []store.Envelope
	for _, env := range page {
		if env.MDNRequested {
			asks = env
		} else {
			others = append(others, env)
		}
	}
	if asks.UID == 0 || len(others) < 2 {
		t.Fatal("the seed has no read-receipt request")
	}
	if err := e.SetFlags(others[0].Ref, append(others[0].Flags, `\Flagged`)); err != nil {
		t.Fatal(err)
	}
	if err := e.Delete(others[1].Ref); err != nil {
		t.Fatal(err)
	}
	if _, err := e.SendMDN(asks.Ref, msg.Address{Email: bal}); err != nil {
		t.Fatal(err)
	}
	built := mustPrepare(t, e, msg.Draft{From: msg.Address{Email: bal}, To: []msg.Address{{Email: a.Doctor}},
		Subject: "Disponibilité", Text: "Le traitement est disponible."})
	if _, err := e.QueueBuilt(bal, built); err != nil {
		t.Fatal(err)
	}
	if err := e.SyncOnce(ctx, bal); err != nil {
		t.Fatal(err)
	}

	wantResponse(t, st, bal, ActionLogin, "IMAP", hasAll("OK [CAPABILITY ", "authentication successful"))
	wantResponse(t, st, bal, ActionLogin, "SMTP", equals("235 2.0.0 Authentication succeeded"))
	wantResponse(t, st, bal, ActionSend, "SMTP MAIL FROM:<"+bal+">", equals("250 2.0.0 OK: queued"))
	wantResponse(t, st, bal, ActionMDN, "SMTP MAIL FROM:<>", equals("250 2.0.0 OK: queued"))
	wantResponse(t, st, bal, ActionSend, "APPEND", hasAll("OK", "APPEND completed"))
	wantResponse(t, st, bal, ActionFlags, "UID STORE", hasAll("OK", "STORE completed"))
	wantResponse(t, st, bal, ActionDelete, "UID", hasAll("OK", "completed"))
	// Never a message's content: the subject and text are nowhere in the journal.
	all, _ := st.AuditQuery(store.AuditFilter{})
	for _, en := range all {
		if strings.Contains(en.Request+en.Response, "Disponibilité") || strings.Contains(en.Request+en.Response, "traitement est disponible") {
			t.Errorf("message contents in the journal: %+v", en)
		}
	}
}

// The same against Dovecot: its own words, not the client's.
func TestAuditRecordsTheDovecotResponses(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	e := NewEngine(r.config())
	if _, err := e.Send(r.ctx, draft("Réponse du serveur")); err != nil {
		t.Fatal(err)
	}
	if err := e.SyncOnce(r.ctx, testBAL); err != nil {
		t.Fatal(err)
	}
	wantResponse(t, r.store, testBAL, ActionLogin, "IMAP", hasAll("OK", "Logged in"))
	wantResponse(t, r.store, testBAL, ActionLogin, "SMTP", func(s string) bool { return strings.HasPrefix(s, "235 2.7.0 ") })
	wantResponse(t, r.store, testBAL, ActionSend, "SMTP MAIL FROM:", func(s string) bool { return strings.HasPrefix(s, "250 2.0.0 ") && s != "250 2.0.0 " })
	wantResponse(t, r.store, testBAL, ActionSend, "APPEND", hasAll("OK", "Append completed"))
}

// TestAuditAfterLockIsNoError: a card pulled locks the cache at once, while the engine's
// last operations end; their journal entries can no longer be sealed. That is the lock
// working: the log says so at Info, naming the action, never as an ERROR.
func TestAuditAfterLockIsNoError(t *testing.T) {
	pki, err := cpstest.NewPKI(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	_, key, err := pki.IssuePerson(cpstest.Titulaire.Person)
	if err != nil {
		t.Fatal(err)
	}
	st := openCache(t, key)
	var logs strings.Builder
	e := NewEngine(EngineConfig{Store: st, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	st.Lock()
	e.audit(testBAL, ActionFetch, "UID FETCH INBOX", "", context.Canceled)
	if got := logs.String(); strings.Contains(got, "level=ERROR") || !strings.Contains(got, "level=INFO") || !strings.Contains(got, "action="+ActionFetch) {
		t.Errorf("log after the lock: %q", got)
	}
}
