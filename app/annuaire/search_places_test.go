package annuaire

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// A town query ranks the places above the people named like the town: "saint etienne" is
// Saint-Étienne (written SAINT-ÉTIENNE or ST ETIENNE), not Dr Étienne Moreau or Dr Paul Étienne.
func TestSearchTownBeforeGivenNames(t *testing.T) {
	d, _ := importFixture(t, "extraction_towns.txt")
	for _, q := range []string{"saint etienne", "Saint-Étienne", "st etienne", "saint etie"} {
		res := search(t, d, q)
		if len(res) < 2 {
			t.Fatalf("%q → %v", q, names(res))
		}
		// The two entries in Saint-Étienne first; a street named Saint-Étienne may follow.
		first := res[0].Town() + "|" + res[1].Town()
		if !strings.Contains(first, "SAINT-ÉTIENNE") || !strings.Contains(first, "ST ETIENNE") {
			t.Errorf("%q → %v (towns %s)", q, names(res), first)
		}
		for _, r := range res[:2] {
			if strings.Contains(Normalize(r.GivenName+" "+r.Surname), "etienne") {
				t.Errorf("%q: %s ranked among the first two", q, r.DisplayName())
			}
		}
	}
	// A plain "etienne" still finds the people first.
	if res := search(t, d, "etienne"); len(res) < 2 || !strings.Contains(Normalize(res[0].GivenName+" "+res[0].Surname), "etienne") {
		t.Errorf("etienne → %v", names(res))
	}
	// "pharmacie saint etienne": both words.
	if res := search(t, d, "pharmacie saint etienne"); len(res) == 0 || res[0].DisplayName() != "PHARMACIE DE LA GRAND-RUE" {
		t.Errorf("pharmacie saint etienne → %v", names(res))
	}
}

// "@medecin.mssante.fr" lists the mailboxes of that domain (and a domain prefix too).
func TestSearchByMailboxDomain(t *testing.T) {
	d, _ := importFixture(t, "extraction_small.txt")
	for q, want := range map[string]int{"@medecin.mssante.fr": 3, "@MEDECIN.MSSANTE.FR": 3, "@medecin": 3, "@ch-": 2, "@nulle-part.fr": 0} {
		res := search(t, d, q)
		if len(res) != want {
			t.Errorf("%q → %d results %v, want %d", q, len(res), names(res), want)
		}
		domain := strings.ToLower(strings.TrimPrefix(q, "@"))
		for _, r := range res {
			found := false
			for _, m := range r.Mailboxes {
				if strings.HasPrefix(m.Address[strings.IndexByte(m.Address, '@')+1:], domain) {
					found = true
				}
			}
			if !found {
				t.Errorf("%q → %s has no mailbox in that domain", q, r.DisplayName())
			}
		}
	}
	// A full address still works.
	if res := search(t, d, "jean.dupont@ch-lyon.mssante.fr"); len(res) != 1 || res[0].Surname != "DUPONT" {
		t.Errorf("address → %v", names(res))
	}
}

// A line holding a NUL byte is a bad line, reported, not imported.
func TestImportRejectsNUL(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "extraction_small.txt"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	lines[1] = strings.Replace(lines[1], "DUPONT", "DUP\x00ONT", 1) // jean.dupont@medecin.mssante.fr
	path := filepath.Join(t.TempDir(), "nul.txt")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := Open(filepath.Join(t.TempDir(), "annuaire.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rep, err := d.Import(context.Background(), path, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, b := range rep.Bad {
		if b.Line == 2 && strings.Contains(b.Reason, "caractère nul") {
			found = true
		}
	}
	if !found || rep.BadLines != 4 {
		t.Errorf("bad lines %d %+v", rep.BadLines, rep.Bad)
	}
	if _, ok, _ := d.ByAddress("jean.dupont@medecin.mssante.fr"); ok {
		t.Errorf("the line with a NUL byte was imported")
	}
}

// A directory imported before the domain index still answers domain queries (by scanning the
// addresses), and a "saint X" compound indexed nowhere falls back to X.
func TestSearchOlderIndexFallbacks(t *testing.T) {
	d, _ := importFixture(t, "extraction_small.txt")
	path := d.Path()
	d.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketDomains) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	d, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if res := search(t, d, "@medecin.mssante.fr"); len(res) != 3 {
		t.Errorf("without the domain index: %v", names(res))
	}
	if res := search(t, d, "saint dupont"); len(res) == 0 || res[0].Surname != "DUPONT" {
		t.Errorf("saint dupont → %v", names(res))
	}
}
