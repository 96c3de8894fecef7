package session_test

import (
	"errors"
	"testing"
	"time"

	"comptoir/app/session"
	"comptoir/cps"
	"comptoir/cps/cpstest"
	"comptoir/mail"
	"comptoir/mail/msg"
	"comptoir/mail/provisioning"
	"comptoir/store"
)

// An APP BAL created from a card session is opened with its structure's certificate, never
// with the card: today's main opened it with the card, the operator refused it, and the
// status said « Hors ligne » for good. Here it comes online, and stays so at the next login.
func TestSessionOpensAPPBALWithItsCertificate(t *testing.T) {
	cfg := config(t)
	s := open(t, cpstest.Titulaire, cfg)
	ev := watch(s)
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
	sit := id.Situations[0]
	if err := session.Eligible(session.KindAPP, id.Profession, sit, listing); err != nil {
		t.Fatalf("the titulaire, Administrateur of the ORG BAL, may not ask for the APP BAL: %v", err)
	}
	st, src, err := session.RequestStructure(t.Context(), session.KindAPP, sit, listing, nil)
	if err != nil || src != session.FromORGBAL {
		t.Fatalf("APP structure: %+v from %v (%v), want the ORG BAL's", st, src, err)
	}
	addr, err := session.BALAddress(session.KindAPP, s.Domain(), id, st)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.CreateBAL(t.Context(), provisioning.CreateRequest{Kind: session.KindAPP, CGUVersion: cgu.Version,
		Address: addr, DisplayName: st.Name, Structure: &st}, orgCertificate(t, world.seed.Pharmacy))
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := s.BAL(b.Address); !ok || got.Status != session.StatusPending {
		t.Fatalf("right after the request the session lists %+v (known %v), want it pending", got, ok)
	}
	var appOffline error
	ev.waitFor(t, "the APP BAL online", func(e mail.Event) bool {
		on, ok := e.(mail.Online)
		return ok && on.BAL == b.Address
	}, func(e mail.Event) {
		if off, ok := e.(mail.Offline); ok && off.BAL == b.Address {
			appOffline = off.Err
		}
	})
	if appOffline != nil {
		t.Fatalf("the APP BAL went offline before coming online: %v", appOffline)
	}
	s.Close()

	// The next login opens it again with the stored certificate.
	s = open(t, cpstest.Titulaire, cfg)
	got, ok := s.BAL(b.Address)
	if !ok || !got.Syncable() || got.NeedsCertificate {
		t.Fatalf("at the next login the APP BAL is %+v (known %v), want it usable", got, ok)
	}
	ev = watch(s)
	s.Start()
	ev.waitFor(t, "the APP BAL online at the next login", func(e mail.Event) bool {
		on, ok := e.(mail.Online)
		return ok && on.BAL == b.Address
	}, func(e mail.Event) {
		if off, ok := e.(mail.Offline); ok && off.BAL == b.Address {
			t.Fatalf("the APP BAL went offline: %v", off.Err)
		}
	})
	s.Close()

	// A workstation whose cache never saw the certificate shows the BAL as needing it,
	// does not synchronise it, and refuses to write from it at once (nothing waits in the
	// outbox for ever).
	other := config(t)
	s = open(t, cpstest.Titulaire, other)
	got, ok = s.BAL(b.Address)
	if !ok || !got.NeedsCertificate || got.Syncable() {
		t.Fatalf("without the certificate the APP BAL is %+v (known %v), want it shown as needing it", got, ok)
	}
	for _, synced := range s.Engine().BALs() {
		if synced == b.Address {
			t.Fatal("the engine synchronises the APP BAL with the card")
		}
	}
	_, err = s.Send(t.Context(), msg.Draft{From: msg.Address{Email: b.Address}, To: []msg.Address{{Email: world.seed.Doctor}},
		Subject: "Test", Text: "Bonjour"})
	var ns *session.ErrNotSendable
	if !errors.As(err, &ns) || !ns.BAL.NeedsCertificate {
		t.Fatalf("sending from the APP BAL without its certificate: %v, want ErrNotSendable", err)
	}
	if n := s.OutboxCount(); n != 0 {
		t.Fatalf("the outbox holds %d messages", n)
	}
}

// The audit author is one format for the app and the command line, so the journal can be
// filtered by author.
func TestSessionAuditAuthor(t *testing.T) {
	s := open(t, cpstest.Titulaire, config(t))
	want := "BONNEFOY Élise (" + cpstest.Titulaire.NationalID + ")"
	if got := s.Author(); got != want {
		t.Fatalf("Author() = %q, want %q", got, want)
	}
	if err := s.SyncOnce(t.Context(), world.seed.Titulaire); err != nil {
		t.Fatal(err)
	}
	entries, err := s.Store().AuditQuery(store.AuditFilter{Author: want})
	if err != nil || len(entries) == 0 {
		t.Fatalf("no audit entry by %q (%v)", want, err)
	}
	for _, e := range entries {
		if e.Author != want {
			t.Fatalf("audit author %q, want %q", e.Author, want)
		}
	}
	app := session.Identity{NationalID: "1690999123", Organisation: "PHARMACIE DES TILLEULS", App: true}
	if got := app.Author(); got != "Logiciel PHARMACIE DES TILLEULS (1690999123)" {
		t.Fatalf("a structure's author: %q", got)
	}
}

// The From display name follows ECO.2.2.7: <Titre>_<Prénom>_<NOM>_<Entité>, the title from
// the card's profession and the entity of the chosen practice situation.
func TestSessionFromDisplayName(t *testing.T) {
	s := open(t, cpstest.Medecin, config(t))
	id := s.Identity()
	if len(id.Situations) < 2 {
		t.Fatalf("the doctor's card has %d situations, want 2", len(id.Situations))
	}
	per, org := "", ""
	for _, b := range s.BALs() {
		switch b.Kind {
		case session.KindPER:
			per = b.Address
		case session.KindORG:
			org = b.Address
		}
	}
	if per == "" || org == "" {
		t.Fatalf("the doctor has no PER or no ORG BAL: %+v", s.BALs())
	}
	for i, sit := range id.Situations {
		s.SetSituation(i)
		want := "Dr_Antoine_FAUVEL_" + sit.StructureName
		if got := s.From(per).Name; got != want {
			t.Errorf("situation %d: From name %q, want %q", i, got, want)
		}
	}
	// An ORG BAL signs with its own name, whatever the situation.
	b, _ := s.BAL(org)
	if got := s.From(org).Name; got != b.DisplayName || got == "" {
		t.Errorf("ORG BAL From name %q, want its display name %q", got, b.DisplayName)
	}
	// Professions without a state doctorate write no title.
	prep := session.Identity{GivenName: "Maxime", Surname: "Lebreton", Profession: "Préparateur en pharmacie",
		Situations: []cps.Situation{{StructureName: "PHARMACIE DES TILLEULS"}}}
	if got := prep.From("x@y", session.KindPER, "").Name; got != "Maxime_LEBRETON_PHARMACIE DES TILLEULS" {
		t.Errorf("a préparateur's From name: %q", got)
	}
}

// A BAL the operator no longer lists is retired: the engine stops it, its mail stays in the
// cache until the user confirms (a single listing must not delete a BAL's cache).
func TestSessionRetiredBAL(t *testing.T) {
	admin := open(t, cpstest.Titulaire, config(t)) // the seed makes the préparateur Utilisateur
	prepID := cpstest.Preparateur.NationalID
	s := open(t, cpstest.Preparateur, config(t))
	org, ok := s.BAL(world.seed.Pharmacy)
	if !ok || !org.Syncable() {
		t.Fatalf("the préparateur's ORG BAL: %+v (known %v)", org, ok)
	}
	if err := s.SyncOnce(t.Context(), world.seed.Pharmacy); err != nil {
		t.Fatal(err)
	}
	before, _ := s.Store().UIDs(world.seed.Pharmacy, "INBOX")
	if len(before) == 0 {
		t.Fatal("nothing synchronised from the ORG BAL")
	}
	ev := watch(s)
	s.Start()
	if err := admin.RemoveMember(t.Context(), world.seed.Pharmacy, prepID); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = admin.SetMember(t.Context(), world.seed.Pharmacy, prepID, provisioning.RoleUser, "LEBRETON Maxime")
	})
	if err := s.RefreshBALs(t.Context()); err != nil {
		t.Fatal(err)
	}
	org, _ = s.BAL(world.seed.Pharmacy)
	if org.Status != session.StatusRetired || org.Syncable() {
		t.Fatalf("after the right was withdrawn the ORG BAL is %+v, want it retired", org)
	}
	ev.waitFor(t, "BALRemoved", func(e mail.Event) bool {
		r, ok := e.(mail.BALRemoved)
		return ok && r.BAL == world.seed.Pharmacy
	}, nil)
	after, _ := s.Store().UIDs(world.seed.Pharmacy, "INBOX")
	if len(after) != len(before) {
		t.Fatalf("retiring the BAL changed its cache: %d messages, had %d", len(after), len(before))
	}
	if err := s.ForgetBAL(world.seed.Pharmacy); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.BAL(world.seed.Pharmacy); ok {
		t.Fatal("the forgotten BAL is still listed")
	}
}

// A login never waits on the operator for what the cache knows: with the provisioning API
// black-holed, the session opens from the cache at once and Start returns at once.
func TestSessionOpensFromTheCacheWhenTheOperatorIsSilent(t *testing.T) {
	cfg := config(t)
	s := open(t, cpstest.Titulaire, cfg)
	want := len(s.BALs())
	if want == 0 {
		t.Fatal("the first login listed no BAL from the operator")
	}
	s.Close()
	cfg.APIURL = "https://" + blackHole(t)
	cfg.APITimeout = 20 * time.Second
	start := time.Now()
	s = open(t, cpstest.Titulaire, cfg)
	s.Start()
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("opening with a silent operator took %v", took)
	}
	if got := len(s.BALs()); got != want {
		t.Fatalf("from the cache: %d BALs, want %d", got, want)
	}
	start = time.Now()
	s.Lock()
	if took := time.Since(start); took > time.Second {
		t.Fatalf("locking with a silent operator took %v", took)
	}
	if _, err := s.Listing(t.Context()); !errors.Is(err, session.ErrClosed) {
		t.Fatalf("an action after the lock: %v, want ErrClosed", err)
	}
}
