package session_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"comptoir/app/session"
	"comptoir/cps/cpstest"
	"comptoir/mail"
	"comptoir/mail/msg"
	"comptoir/mail/provisioning"
	"comptoir/mail/psc"
	"comptoir/store"
	"comptoir/store/keyring/keyringtest"
)

// pscLogin logs fx's holder in with the e-CPS through the sandbox's intermediate server, the
// request approved on the "phone" as soon as it is pending.
func pscLogin(t *testing.T, fx cpstest.Fixture) *psc.Session {
	t.Helper()
	c, err := psc.New(world.srv.PSCGatewayURL(), psc.Options{RootCAs: world.pki.RootPool()})
	if err != nil {
		t.Fatal(err)
	}
	approved := make(chan error, 1)
	go func() {
		req, err := world.srv.PSC().WaitPending(t.Context(), fx.NationalID)
		if err == nil {
			err = world.srv.PSC().Approve(req.ID)
		}
		approved <- err
	}()
	ps, err := c.LoginECPS(t.Context(), fx.NationalID, nil)
	if err != nil {
		t.Fatalf("e-CPS login of %s: %v", fx.Label, err)
	}
	if err := <-approved; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ps.Close(context.Background()) })
	return ps
}

// A card login enrols the OS keyring; the same holder's e-CPS login then opens the same
// cache (the mail the card session synchronised is there at once), with the same identity,
// audit author and From name; the holder's BALs synchronise with the token.
func TestPSCSessionOpensTheCardCache(t *testing.T) {
	cfg := config(t)
	cfg.Keyring = keyringtest.New(t)
	per := world.seed.Titulaire

	cs := open(t, cpstest.Titulaire, cfg)
	if err := cs.SyncOnce(t.Context(), per); err != nil {
		t.Fatal(err)
	}
	cardPage, err := cs.Store().Page(per, "INBOX", 0, 0)
	if err != nil || len(cardPage) == 0 {
		t.Fatalf("the card session cached %d messages of %s (%v)", len(cardPage), per, err)
	}
	if card, osKey, err := cs.Store().Keys(); err != nil || !card || !osKey {
		t.Fatalf("after the card login the cache's keys are card %v, OS keyring %v (%v), want both", card, osKey, err)
	}
	cardID, cardAuthor, cardFrom, cardBALs := cs.Identity(), cs.Author(), cs.From(per), cs.BALs()
	if err := cs.Close(); err != nil {
		t.Fatal(err)
	}

	ps, err := session.Open(t.Context(), session.PSCCredential{Session: pscLogin(t, cpstest.Titulaire)}, cfg)
	if err != nil {
		t.Fatalf("open the e-CPS session: %v", err)
	}
	t.Cleanup(func() { ps.Close() })
	page, err := ps.Store().Page(per, "INBOX", 0, 0)
	if err != nil || len(page) != len(cardPage) || page[0].MessageID != cardPage[0].MessageID {
		t.Fatalf("the e-CPS session reads %d messages (%v), want the card session's %d", len(page), err, len(cardPage))
	}
	id := ps.Identity()
	if id.NationalID != cardID.NationalID || id.IDType != "RPPS" || id.Surname != cardID.Surname ||
		id.GivenName != cardID.GivenName || id.Profession != cardID.Profession {
		t.Fatalf("e-CPS identity %+v, want the card's %+v", id, cardID)
	}
	if len(id.Situations) != len(cardID.Situations) || id.Situations[0].FINESS != cardID.Situations[0].FINESS ||
		id.Situations[0].StructureName != cardID.Situations[0].StructureName {
		t.Fatalf("e-CPS situations %+v, want the card's %+v", id.Situations, cardID.Situations)
	}
	if got := ps.Author(); got != cardAuthor {
		t.Fatalf("audit author %q, want the card session's %q", got, cardAuthor)
	}
	if got := ps.From(per); got != cardFrom {
		t.Fatalf("From %+v, want the card session's %+v", got, cardFrom)
	}
	if len(ps.BALs()) != len(cardBALs) {
		t.Fatalf("the e-CPS session lists %+v, want the card session's %+v", ps.BALs(), cardBALs)
	}
	// The holder's BALs authenticate with the access token (XOAUTH2), offering no certificate.
	if err := ps.SyncOnce(t.Context(), per); err != nil {
		t.Fatalf("sync with the token: %v", err)
	}
	if err := ps.SyncOnce(t.Context(), world.seed.Pharmacy); err != nil {
		t.Fatalf("sync of the ORG BAL with the token: %v", err)
	}
	entries, err := ps.Store().AuditQuery(store.AuditFilter{Author: cardAuthor, Action: "login"})
	if err != nil || len(entries) == 0 {
		t.Fatalf("audit journal of the e-CPS session: %d login entries by %q (%v)", len(entries), cardAuthor, err)
	}

	// The operator's API authenticates by card: listing, creation and roles say so.
	if err := ps.RefreshBALs(t.Context()); !errors.Is(err, session.ErrNeedsCard) {
		t.Fatalf("RefreshBALs in an e-CPS session: %v, want ErrNeedsCard", err)
	}
	if _, err := ps.CreateBAL(t.Context(), provisioning.CreateRequest{Kind: session.KindPER}, nil); !errors.Is(err, session.ErrNeedsCard) {
		t.Fatalf("CreateBAL in an e-CPS session: %v, want ErrNeedsCard", err)
	}
	if _, err := ps.Members(t.Context(), world.seed.Pharmacy); !errors.Is(err, session.ErrNeedsCard) {
		t.Fatalf("Members in an e-CPS session: %v, want ErrNeedsCard", err)
	}
}

// A first e-CPS login on a workstation where the holder never logged in with the card opens
// nothing and creates nothing: the card login comes first (it learns the BALs and adds the
// keyring's key). The check before the request says so too.
func TestPSCFreshWorkstationNeedsTheCard(t *testing.T) {
	cfg := config(t)
	cfg.Keyring = keyringtest.New(t)
	if err := session.CheckPSC(cfg, cpstest.Titulaire.NationalID); !errors.Is(err, store.ErrNotEnrolled) {
		t.Fatalf("CheckPSC on a fresh workstation: %v, want ErrNotEnrolled", err)
	}
	_, err := session.Open(t.Context(), session.PSCCredential{Session: pscLogin(t, cpstest.Titulaire)}, cfg)
	if !errors.Is(err, session.ErrNoCache) || !errors.Is(err, store.ErrNotEnrolled) {
		t.Fatalf("e-CPS session on a fresh workstation: %v, want ErrNoCache", err)
	}
	if m := store.UserMessage(err); m == "" {
		t.Fatal("no French message for the refusal")
	}
	files, _ := os.ReadDir(cfg.CacheDir)
	if len(files) != 0 {
		t.Fatalf("the refused e-CPS login left %d files in the cache directory", len(files))
	}
	cfg.Keyring = nil
	if err := session.CheckPSC(cfg, cpstest.Titulaire.NationalID); !errors.Is(err, store.ErrKeyringUnavailable) {
		t.Fatalf("CheckPSC without a keyring: %v, want ErrKeyringUnavailable", err)
	}
}

// A cache a card opened without a keyring configured (no e-CPS offered then) has no keyring
// key: the e-CPS login is refused until a card login adds it.
func TestPSCNotEnrolled(t *testing.T) {
	cfg := config(t)
	open(t, cpstest.Titulaire, cfg).Close()
	cfg.Keyring = keyringtest.New(t)
	_, err := session.Open(t.Context(), session.PSCCredential{Session: pscLogin(t, cpstest.Titulaire)}, cfg)
	if !errors.Is(err, store.ErrNotEnrolled) {
		t.Fatalf("e-CPS login on a cache without a keyring key: %v, want ErrNotEnrolled", err)
	}
	open(t, cpstest.Titulaire, cfg).Close() // enrols
	s, err := session.Open(t.Context(), session.PSCCredential{Session: pscLogin(t, cpstest.Titulaire)}, cfg)
	if err != nil {
		t.Fatalf("e-CPS login after the card login enrolled: %v", err)
	}
	s.Close()
}

// In an e-CPS session an APP BAL still opens with its structure's certificate, the holder's
// BALs with the token. (The hospital's APP BAL, made by its Administrateur, the doctor: the
// pharmacy's is another test's.)
func TestPSCSessionAPPBALKeepsItsCertificate(t *testing.T) {
	cfg := config(t)
	cfg.Keyring = keyringtest.New(t)
	s := open(t, cpstest.Medecin, cfg)
	s.Start()
	cgu, err := s.CGU(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	listing, err := s.Listing(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	id := s.Identity()
	st, _, err := session.RequestStructure(t.Context(), session.KindAPP, id.Situations[1], listing, nil) // the hospital
	if err != nil {
		t.Fatal(err)
	}
	addr, err := session.BALAddress(session.KindAPP, s.Domain(), id, st)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.CreateBAL(t.Context(), provisioning.CreateRequest{Kind: session.KindAPP, CGUVersion: cgu.Version,
		Address: addr, DisplayName: st.Name, Structure: &st}, orgCertificate(t, world.seed.Hospital))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if _, err := s.WaitActive(ctx, b.Address); err != nil {
		t.Fatal(err)
	}
	s.Close()

	var engCfg mail.EngineConfig
	cfg.Engine = func(c *mail.EngineConfig) {
		c.MinBackoff, c.MaxBackoff = 50*time.Millisecond, 200*time.Millisecond
		engCfg = *c
	}
	ps, err := session.Open(t.Context(), session.PSCCredential{Session: pscLogin(t, cpstest.Medecin)}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ps.Close() })
	if engCfg.Token == nil {
		t.Fatal("the engine of an e-CPS session has no token source")
	}
	cr, ok := engCfg.Credentials[b.Address]
	if !ok || len(cr.Cert.Certificate) == 0 || cr.Token != nil {
		t.Fatalf("the APP BAL's credentials in the e-CPS session: %+v (set %v), want its structure certificate", cr, ok)
	}
	ev := watch(ps)
	ps.Start()
	online := map[string]bool{}
	ev.waitFor(t, "the APP BAL and the holder's BALs online", func(e mail.Event) bool {
		if on, ok := e.(mail.Online); ok {
			online[on.BAL] = true
		}
		return online[b.Address] && online[world.seed.Doctor] && online[world.seed.Hospital]
	}, func(e mail.Event) {
		if off, ok := e.(mail.Offline); ok {
			t.Errorf("%s offline: %v", off.BAL, off.Err)
		}
	})
	// Sending from the APP BAL goes with the certificate, from the PER BAL with the token.
	for _, from := range []string{b.Address, world.seed.Doctor} {
		if _, err := ps.Send(t.Context(), msg.Draft{From: msg.Address{Email: from}, To: []msg.Address{{Email: world.seed.Titulaire}},
			Subject: "Test e-CPS depuis " + from, Text: "Bonjour"}); err != nil {
			t.Fatalf("send from %s: %v", from, err)
		}
	}
	sent := map[string]bool{}
	ev.waitFor(t, "both messages submitted", func(e mail.Event) bool {
		if s, ok := e.(mail.Submitted); ok {
			sent[s.BAL] = true
		}
		return sent[b.Address] && sent[world.seed.Doctor]
	}, func(e mail.Event) {
		if f, ok := e.(mail.SendFailed); ok {
			t.Errorf("send from %s failed: %v", f.BAL, f.Err)
		}
	})
}

// The lock of an e-CPS session forgets the tokens and logs out at PSC, and the session says
// it was closed, not ended by PSC.
func TestPSCSessionLockLogsOut(t *testing.T) {
	cfg := config(t)
	cfg.Keyring = keyringtest.New(t)
	open(t, cpstest.Titulaire, cfg).Close()
	p := pscLogin(t, cpstest.Titulaire)
	s, err := session.Open(t.Context(), session.PSCCredential{Session: p}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(p.Err(), psc.ErrClosed) {
		t.Fatalf("after Close the PSC session's state is %v, want ErrClosed", p.Err())
	}
	if _, err := p.Token(t.Context()); err == nil {
		t.Fatal("a token is still handed out after the lock")
	}
	if err := s.EndErr(); err != nil {
		t.Fatalf("EndErr after an ordinary lock: %v", err)
	}
}
