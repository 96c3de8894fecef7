package annuaire

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"comptoir/app/annuaire/internal/gen"
)

// generated imports a generated extraction of n rows.
func generated(t *testing.T, n int) *Directory {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "gen.txt")
	f, err := os.Create(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := gen.New(42).Write(f, n, "\r\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	d, err := Open(filepath.Join(dir, "annuaire.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Import(context.Background(), src, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestSearchOnGeneratedDirectory(t *testing.T) {
	d := generated(t, 8000)
	ctx := context.Background()
	// Typing "dupo" offers DUPONT… entries (the composer's autocomplete), with town and
	// profession, in name order.
	res, err := d.Search(ctx, "dupo", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) == 0 {
		t.Fatal("no result for dupo")
	}
	prev := ""
	for _, r := range res {
		if !strings.HasPrefix(r.Surname, "DUPO") || r.Town() == "" || r.Profession == "" {
			t.Errorf("dupo → %s (%s, %s)", r.DisplayName(), r.Profession, r.Town())
		}
		key := Normalize(r.Surname + " " + r.GivenName)
		if key < prev {
			t.Errorf("not in name order: %q after %q", key, prev)
		}
		prev = key
	}
	// Every word must match for the first results; "martin" as a full word ranks exact
	// surnames before MARTINEZ and given names like Martine.
	res, _ = d.Search(ctx, "martin", 50)
	if len(res) < 50 {
		t.Fatalf("martin → %v", names(res))
	}
	for _, r := range res {
		if r.Surname == "MARTINEZ" || r.Score != int(classScore[classExactName]) {
			t.Errorf("martin → %s (score %d) among the exact MARTIN names", r.DisplayName(), r.Score)
		}
	}
	// A one-letter word after a name: "jean d" finds Jeans whose surname starts with D.
	res, _ = d.Search(ctx, "jean d", 10)
	if len(res) == 0 {
		t.Fatal("jean d: nothing")
	}
	for _, r := range res[:min(3, len(res))] {
		if r.Matched != 2 || !strings.HasPrefix(r.GivenName, "Jean") || !strings.HasPrefix(r.Surname, "D") {
			t.Errorf("jean d → %s (matched %d)", r.DisplayName(), r.Matched)
		}
	}
	// Profession and town together.
	res, _ = d.Search(ctx, "pharmacien lyon", 10)
	for _, r := range res {
		if r.Matched != 2 || r.Profession != "Pharmacien" {
			t.Errorf("pharmacien lyon → %s %s (matched %d)", r.DisplayName(), r.Profession, r.Matched)
		}
	}
	// An RPPS number typed in part.
	res, _ = d.Search(ctx, "1000100", 5)
	if len(res) == 0 || !strings.HasPrefix(res[0].Identifier, "1000100") {
		t.Errorf("rpps prefix → %v", names(res))
	}
}

func TestSearchWhileImporting(t *testing.T) {
	d, _ := importFixture(t, "extraction_small.txt")
	src := filepath.Join(t.TempDir(), "gen.txt")
	f, _ := os.Create(src)
	gen.New(5).Write(f, 3000, "\n")
	f.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if _, err := d.Search(context.Background(), "dupont", 5); err != nil {
					t.Errorf("search during import: %v", err)
					return
				}
			}
		}()
	}
	_, err := d.Import(context.Background(), src, ImportOptions{})
	cancel()
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if info, _ := d.Info(); info.Rows != 3000 {
		t.Errorf("rows after import = %d", info.Rows)
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"Élise  D'Arc-Müller":       "elise d arc muller",
		"ŒUVRE Æsop straße":         "oeuvre aesop strasse",
		"  jean.dupont@medecin.fr ": "jean dupont medecin fr",
		"SAINT-ÉTIENNE 42000":       "saint etienne 42000",
		"":                          "",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q; want %q", in, got, want)
		}
	}
}

func FuzzSearchNeverPanics(f *testing.F) {
	for _, s := range []string{"dupont", "a", "é", "j d", "@", "8100", "pharmacie du", "\xff\xfe", "| |"} {
		f.Add(s)
	}
	dir := f.TempDir()
	d, err := Open(filepath.Join(dir, "annuaire.db"))
	if err != nil {
		f.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Import(context.Background(), filepath.Join("testdata", "extraction_small.txt"), ImportOptions{}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, q string) {
		if _, err := d.Search(context.Background(), q, 10); err != nil {
			t.Fatalf("%q: %v", q, err)
		}
	})
}
