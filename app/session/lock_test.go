package session_test

import (
	"crypto"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"comptoir/app/session"
	"comptoir/cps/cpstest"
	"comptoir/mail"
	"comptoir/mail/msg"
	"comptoir/store"
)

// A renewed CPS card (same holder, new key) cannot open its holder's cache: Open says so
// with a typed error and a French explanation instead of a raw "belongs to another card";
// StartAfresh sets the old cache aside, renamed, and the new one fills from the operator.
// The old card still opens the file set aside, with what only it held (here a draft).
func TestLockRenewedCardStartsAfresh(t *testing.T) {
	cfg := config(t)
	s := open(t, cpstest.Titulaire, cfg)
	bal := world.seed.Titulaire
	if err := s.SaveDraft(session.NewDraftID(), msg.Draft{From: msg.Address{Email: bal}, Subject: "Brouillon de l'ancienne carte"}, nil); err != nil {
		t.Fatal(err)
	}
	path := s.Store().Path()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	renewed := cpstest.Renewal(cpstest.Titulaire)
	if err := world.cards.WriteCard(renewed); err != nil {
		t.Fatal(err)
	}
	card := login(t, renewed)
	if card.Identity().NationalID != cpstest.Titulaire.NationalID {
		t.Fatalf("the renewed card holds %s", card.Identity().NationalID)
	}
	cred := session.CardCredential{Card: card}
	_, err := session.Open(t.Context(), cred, cfg)
	var re *session.RenewedCardError
	if !errors.As(err, &re) || !errors.Is(err, store.ErrWrongCard) || re.Path != path {
		t.Fatalf("the renewed card opens its holder's cache with %v, want a *RenewedCardError on %s", err, path)
	}
	for _, want := range []string{"chiffré avec une autre carte", "mettre l'ancien cache de côté", "attendaient d'être envoyés"} {
		if m := session.UserMessage(err); !strings.Contains(m, want) {
			t.Errorf("the explanation %q lacks %q", m, want)
		}
	}

	s2, aside, err := session.StartAfresh(t.Context(), cred, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s2.Close() })
	if filepath.Dir(aside) != filepath.Dir(path) || !strings.HasPrefix(filepath.Base(aside), filepath.Base(path)+".ancienne-carte-") {
		t.Fatalf("set aside as %q", aside)
	}
	if _, err := os.Stat(aside); err != nil {
		t.Fatalf("the old cache is not kept: %v", err)
	}
	if s2.Store().Path() != path {
		t.Fatalf("the fresh cache is %s, want %s", s2.Store().Path(), path)
	}
	ev := watch(s2)
	s2.Start()
	ev.waitFor(t, "the fresh cache synchronised", func(e mail.Event) bool {
		sy, ok := e.(mail.Synced)
		return ok && sy.BAL == bal
	}, nil)
	if total, _, err := s2.Store().Counts(bal, "INBOX"); err != nil || total == 0 {
		t.Fatalf("the fresh cache holds %d messages in INBOX (%v), want the operator's", total, err)
	}
	if _, ok := s2.Draft(bal); ok {
		t.Error("the fresh cache holds the old card's draft")
	}

	// The old card still opens what was set aside.
	old := login(t, cpstest.Titulaire)
	defer old.Close()
	st, err := store.Open(aside, old.TLSCertificate().PrivateKey.(crypto.Signer), store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("the old card cannot open the cache set aside: %v", err)
	}
	defer st.Close()
	if raw, err := st.Setting(store.KeyDraft(bal)); err != nil || !strings.Contains(string(raw), "Brouillon de l'ancienne carte") {
		t.Fatalf("the old cache lost its draft (%v)", err)
	}
}
