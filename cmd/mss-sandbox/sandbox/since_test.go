package sandbox

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"comptoir/cps/cpstest"
	"comptoir/mail/provisioning"
)

// Members carry the date their access was granted: set when granted, kept across role
// changes and restarts, sent in the API.
func TestMemberSince(t *testing.T) {
	dir := t.TempDir()
	e := startEnv(t, func(o *Options) { o.DataDir = dir })
	ctx := context.Background()
	titCard := e.personCert(cpstest.Titulaire.Person)
	tit := e.apiClient(&titCard)
	org, docID := e.a.Pharmacy, cpstest.Medecin.NationalID

	m, err := tit.Members(ctx, org)
	if err != nil {
		t.Fatal(err)
	}
	seeded := memberByID(m, cpstest.Titulaire.NationalID).Since
	if seeded.IsZero() || time.Since(seeded) < 80*24*time.Hour {
		t.Fatalf("the seeded titulaire's access dates from %v, want about three months ago", seeded)
	}
	before := time.Now().Add(-time.Second)
	added, err := tit.SetMember(ctx, org, docID, provisioning.RoleUser, "Antoine FAUVEL")
	if err != nil {
		t.Fatal(err)
	}
	if added.Since.Before(before) || added.Since.After(time.Now().Add(time.Second)) {
		t.Fatalf("new member since %v, want now", added.Since)
	}
	changed, err := tit.SetMember(ctx, org, docID, provisioning.RoleManager, "")
	if err != nil || !changed.Since.Equal(added.Since) {
		t.Fatalf("a role change moved the date: %v → %v (%v)", added.Since, changed.Since, err)
	}

	// The wire form: RFC 3339 under "since".
	raw, err := json.Marshal(changed)
	if err != nil || !strings.Contains(string(raw), `"since":"`+changed.Since.Format(time.RFC3339Nano)+`"`) {
		t.Fatalf("member JSON %s (%v)", raw, err)
	}

	// Persisted: a restarted sandbox says the same.
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	e2 := startEnv(t, func(o *Options) { o.DataDir = dir })
	titCard2 := e2.personCert(cpstest.Titulaire.Person)
	m, err = e2.apiClient(&titCard2).Members(ctx, org)
	if err != nil {
		t.Fatal(err)
	}
	if got := memberByID(m, docID).Since; !got.Equal(added.Since) {
		t.Fatalf("after a restart: since %v, want %v", got, added.Since)
	}
}

// A state file written before members had a date still loads; their date is unknown
// (omitted from the API) until their access is granted again.
func TestMemberSinceOldState(t *testing.T) {
	dir := t.TempDir()
	addr := "pharmacie-des-tilleuls-69003-lyon@" + DefaultDomain
	tit := cpstest.Titulaire
	old := `{"bals": {"` + addr + `": {"address": "` + addr + `", "kind": "ORG", "display_name": "Pharmacie des Tilleuls",
	  "holder": {"id": "` + tit.NationalID + `", "surname": "BONNEFOY", "given_name": "Élise", "profession": "Pharmacien"},
	  "structure": {"finess": "690999123", "name": "Pharmacie des Tilleuls", "postal_code": "69003", "city": "Lyon"},
	  "cgu_version": "2026.1", "created": "2026-08-25T22:00:00Z", "active_at": "2026-08-25T22:00:00Z",
	  "members": {"` + tit.NationalID + `": {"role": "Administrateur", "name": "Élise BONNEFOY"}}}},
	 "patients": {}, "nonces": {}, "seeded": true}`
	if err := os.WriteFile(filepath.Join(dir, "state.json"), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	e := startEnv(t, func(o *Options) { o.DataDir = dir })
	card := e.personCert(tit.Person)
	m, err := e.apiClient(&card).Members(context.Background(), addr)
	if err != nil {
		t.Fatalf("members from an old state file: %v", err)
	}
	me := memberByID(m, tit.NationalID)
	if me.Role != provisioning.RoleAdmin || !me.Since.IsZero() {
		t.Fatalf("old member %+v", me)
	}
	raw, _ := json.Marshal(me)
	if strings.Contains(string(raw), `"since"`) {
		t.Fatalf("an unknown date is sent: %s", raw)
	}
}
