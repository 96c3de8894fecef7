package session_test

import (
	"archive/zip"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"comptoir/app/session"
	"comptoir/cps/cpstest"
	"comptoir/mail"
	"comptoir/mail/msg"
	"comptoir/mail/xdm"
	"comptoir/store"
)

// hasFlag: flags and keywords are case-insensitive (the sandbox keeps them lower-case).
func hasFlag(flags []string, f string) bool {
	return slices.ContainsFunc(flags, func(x string) bool { return strings.EqualFold(x, f) })
}

// firstInbox is the newest message of bal's INBOX in s's cache (after a sync).
func firstInbox(t *testing.T, s *session.Session, bal string) store.Envelope {
	t.Helper()
	envs, err := s.Store().Page(bal, "INBOX", 0, 1)
	if err != nil || len(envs) == 0 {
		t.Fatalf("no message in %s: %v", bal, err)
	}
	return envs[0]
}

// Two counters (two cards) on the pharmacy's ORG BAL: one marks a message « traité », the
// other sees the keyword, who and when after a synchronisation.
func TestSessionHandledSeenFromAnotherCounter(t *testing.T) {
	bal := world.seed.Pharmacy
	s1 := open(t, cpstest.Titulaire, config(t))
	s2 := open(t, cpstest.PharmacienCPS3, config(t))
	for _, s := range []*session.Session{s1, s2} {
		if err := s.SyncOnce(t.Context(), bal); err != nil {
			t.Fatal(err)
		}
	}
	env := firstInbox(t, s1, bal)
	before := time.Now().Truncate(time.Second)
	if err := s1.MarkHandled(env.Ref, true); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = s1.MarkHandled(env.Ref, false)
		_ = s1.SyncOnce(t.Context(), bal)
	})
	// At once, here.
	h, ok := s1.HandledBy(bal, env.MessageID)
	if !ok || !h.On || h.By != "Élise BONNEFOY" {
		t.Fatalf("at the marking counter: %+v %v", h, ok)
	}
	if e, _ := s1.Store().Envelope(env.Ref); !hasFlag(e.Flags, session.FlagHandled) {
		t.Fatalf("flags at the marking counter: %v", e.Flags)
	}
	if err := s1.SyncOnce(t.Context(), bal); err != nil { // pushes the keyword and the journal entry
		t.Fatal(err)
	}
	// At the other counter, after its sync.
	if err := s2.SyncOnce(t.Context(), bal); err != nil {
		t.Fatal(err)
	}
	ref2 := env.Ref
	if e, err := s2.Store().Envelope(ref2); err != nil || !hasFlag(e.Flags, session.FlagHandled) {
		t.Fatalf("flags at the other counter: %v %v", e.Flags, err)
	}
	h, ok = s2.HandledBy(bal, env.MessageID)
	if !ok || !h.On || h.By != "Élise BONNEFOY" || h.At.Before(before) || h.At.After(time.Now()) {
		t.Fatalf("at the other counter: %+v %v (marked after %v)", h, ok, before)
	}
	// The other counter takes the mark off: the first sees who did.
	if err := s2.MarkHandled(ref2, false); err != nil {
		t.Fatal(err)
	}
	if err := s2.SyncOnce(t.Context(), bal); err != nil {
		t.Fatal(err)
	}
	if err := s1.SyncOnce(t.Context(), bal); err != nil {
		t.Fatal(err)
	}
	h, ok = s1.HandledBy(bal, env.MessageID)
	if !ok || h.On || !strings.Contains(h.By, "MARCHAND") && !strings.Contains(h.By, strings.ToUpper(cpstest.PharmacienCPS3.Surname)) {
		t.Fatalf("after the other counter took the mark off: %+v %v", h, ok)
	}
	if e, _ := s1.Store().Envelope(env.Ref); hasFlag(e.Flags, session.FlagHandled) {
		t.Fatalf("the keyword is still there: %v", e.Flags)
	}
}

// Several drafts per BAL, newest first; an emptied draft is forgotten; the single draft of
// older versions reads back with an id.
func TestSessionDrafts(t *testing.T) {
	s := open(t, cpstest.Titulaire, config(t))
	bal := world.seed.Titulaire
	from := msg.Address{Email: bal}
	old := `{"From":{"Name":"","Email":"` + bal + `"},"Subject":"Ancien brouillon","Text":"gardé"}`
	if err := s.Store().SetSetting(store.KeyDraft(bal), []byte(old)); err != nil {
		t.Fatal(err)
	}
	if d, ok := s.Draft(bal); !ok || d.Subject != "Ancien brouillon" || d.ID == "" {
		t.Fatalf("older draft: %+v %v", d, ok)
	}
	a, b := session.NewDraftID(), session.NewDraftID()
	if err := s.SaveDraft(a, msg.Draft{From: from, Subject: "Premier"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveDraft(b, msg.Draft{From: from, Subject: "Second"}, &session.Origin{Forward: true}); err != nil {
		t.Fatal(err)
	}
	list := s.Drafts(bal)
	if len(list) != 3 || list[0].Subject != "Second" || list[0].Origin == nil || !list[0].Origin.Forward {
		t.Fatalf("drafts: %+v", list)
	}
	if err := s.SaveDraft(a, msg.Draft{From: from}, nil); err != nil { // emptied
		t.Fatal(err)
	}
	if err := s.DeleteDraft(bal, list[2].ID); err != nil {
		t.Fatal(err)
	}
	if list = s.Drafts(bal); len(list) != 1 || list[0].ID != b {
		t.Fatalf("drafts after emptying one and deleting the old one: %+v", list)
	}
	s.AfterSend(bal, b, nil)
	if list = s.Drafts(bal); len(list) != 0 {
		t.Fatalf("the sent draft is still kept: %+v", list)
	}
}

// A forward of a message whose archive has a damaged document is saved as a draft and read
// back, with the BAL's other drafts (a damaged document once made every draft unreadable).
func TestSessionDraftWithDamagedDocument(t *testing.T) {
	s := open(t, cpstest.Titulaire, config(t))
	bal := world.seed.Titulaire
	from := msg.Address{Email: bal}
	pkg := &xdm.Package{Patient: xdm.Patient{ID: "279035121518989", OID: xdm.OIDINSNIR, Family: "DUPONT", Given: "Marie"},
		Documents: []xdm.Document{{Title: "Compte rendu", URI: "DOC0001.XML", Damage: fmt.Errorf("%w: %w", xdm.ErrCorrupt, zip.ErrChecksum)}}}
	if err := s.SaveDraft(session.NewDraftID(), msg.Draft{From: from, Subject: "Autre"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveDraft(session.NewDraftID(), msg.Draft{From: from, Subject: "Tr : CR", Documents: pkg}, &session.Origin{Forward: true}); err != nil {
		t.Fatal(err)
	}
	list := s.Drafts(bal)
	if len(list) != 2 || list[0].Subject != "Tr : CR" || list[0].Documents == nil || list[0].Documents.Documents[0].Title != "Compte rendu" {
		t.Fatalf("drafts: %+v", list)
	}
}

// A message waiting in the outbox (offline) is listed, taken back as a draft, and gone.
func TestSessionOutboxEdit(t *testing.T) {
	s := open(t, cpstest.Titulaire, config(t)) // not started: nothing is submitted
	bal := world.seed.Titulaire
	_, err := s.Send(t.Context(), msg.Draft{From: msg.Address{Email: bal}, To: []msg.Address{{Email: world.seed.Doctor}},
		Cc: []msg.Address{{Name: "Officine", Email: world.seed.Pharmacy}}, Subject: "Commande à modifier",
		Text: "Bonjour,\nune boîte de plus.\n", RequestDSN: true, RequestMDN: true,
		Attachments: []msg.Attachment{{Name: "bon.txt", ContentType: "text/plain", Data: []byte("bon de commande")}}})
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.Outbox()
	if err != nil || len(list) != 1 || list[0].Subject != "Commande à modifier" || !list[0].Cancellable {
		t.Fatalf("outbox: %+v %v", list, err)
	}
	d, err := s.EditOutbox(list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Subject != "Commande à modifier" || !strings.Contains(d.Text, "une boîte de plus") || len(d.To) != 1 ||
		d.To[0].Email != world.seed.Doctor || len(d.Cc) != 1 || !d.RequestDSN || !d.RequestMDN ||
		len(d.Attachments) != 1 || string(d.Attachments[0].Data) != "bon de commande" || d.From.Email != bal {
		t.Fatalf("the draft taken back: %+v", d)
	}
	if list, _ = s.Outbox(); len(list) != 0 {
		t.Fatalf("still in the outbox: %+v", list)
	}
	if err := s.CancelOutbox("nothing"); !errors.Is(err, mail.ErrNoOutboxItem) {
		t.Fatalf("cancel an unknown item: %v", err)
	}
}
