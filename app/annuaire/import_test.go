package annuaire

import (
	"archive/zip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"comptoir/app/annuaire/internal/gen"
)

// importFixture imports a testdata file into a fresh directory and opens it.
func importFixture(t *testing.T, name string) (*Directory, *ImportReport) {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "annuaire.db")
	d, err := Open(dst)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	rep, err := d.Import(context.Background(), filepath.Join("testdata", name), ImportOptions{})
	if err != nil {
		t.Fatalf("import %s: %v", name, err)
	}
	return d, rep
}

func search(t *testing.T, d *Directory, q string) []Result {
	t.Helper()
	res, err := d.Search(context.Background(), q, 20)
	if err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	return res
}

func names(res []Result) []string {
	var out []string
	for _, r := range res {
		out = append(out, r.DisplayName())
	}
	return out
}

func TestImportReportsBadLinesWithNumbers(t *testing.T) {
	d, rep := importFixture(t, "extraction_small.txt")
	if rep.Rows != 9 || rep.Entries != 8 {
		t.Errorf("rows, entries = %d, %d; want 9 mailboxes of 8 entries", rep.Rows, rep.Entries)
	}
	want := []BadLine{
		{5, "4 colonnes au lieu de 31"},
		{9, "adresse BAL absente ou invalide"},
		{13, "type de BAL absent"},
	}
	if rep.BadLines != 3 || !slices.Equal(rep.Bad, want) {
		t.Errorf("bad lines = %d %v; want %v", rep.BadLines, rep.Bad, want)
	}
	if rep.NoHeader || len(rep.HeaderMismatch) != 0 {
		t.Errorf("header: none=%v mismatches=%v", rep.NoHeader, rep.HeaderMismatch)
	}
	info, ok := d.Info()
	if !ok || info.Entries != 8 || info.BadLines != 3 || info.Source != "extraction_small.txt" {
		t.Errorf("info = %+v, %v", info, ok)
	}
}

func TestImportAcceptsBOMCRLFTrailingPipeAndHeaderVariants(t *testing.T) {
	d, rep := importFixture(t, "extraction_crlf_bom.txt")
	if rep.Rows != 9 || rep.BadLines != 0 || rep.NoHeader || len(rep.HeaderMismatch) != 0 {
		t.Fatalf("report = %+v", rep)
	}
	res := search(t, d, "dupont")
	if len(res) != 1 || res[0].Mailboxes[0].Address != "jean.dupont@medecin.mssante.fr" {
		t.Fatalf("dupont → %+v", res)
	}
	if got := res[0].Mailboxes[1].Country; got != "99000" {
		t.Errorf("last column = %q; the trailing | or CR leaked", got)
	}
}

func TestSearchGroupsEveryAddressOfAProfessional(t *testing.T) {
	d, _ := importFixture(t, "extraction_small.txt")
	res := search(t, d, "Dupont Jean")
	if len(res) == 0 {
		t.Fatal("no result for Dupont Jean")
	}
	r := res[0]
	if r.DisplayName() != "Dr Jean DUPONT" || r.NationalID != "810003456789" || r.Profession != "Médecin" ||
		r.Specialty != "Médecine générale" {
		t.Errorf("first result = %+v", r)
	}
	var addrs, towns, kinds []string
	for _, m := range r.Mailboxes {
		addrs, towns, kinds = append(addrs, m.Address), append(towns, m.Town), append(kinds, m.Kind)
	}
	if !slices.Equal(addrs, []string{"jean.dupont@medecin.mssante.fr", "jean.dupont@ch-lyon.mssante.fr"}) ||
		!slices.Equal(towns, []string{"LYON", "LYON"}) || !slices.Equal(kinds, []string{"PER", "PER"}) {
		t.Errorf("mailboxes = %v %v %v", addrs, towns, kinds)
	}
	if m := r.Mailboxes[1]; m.Structure != "CENTRE HOSPITALIER SAINT-JOSEPH" || m.Service != "Urgences" ||
		!slices.Equal(m.Lines, []string{"BATIMENT B", "20 QUAI CLAUDE BERNARD", "69007 LYON"}) || m.Dematerialised {
		t.Errorf("second mailbox = %+v", m)
	}
}

func TestSearchFoldsAccentsCaseAndWordOrder(t *testing.T) {
	d, _ := importFixture(t, "extraction_small.txt")
	for _, q := range []string{"helene dupond", "DUPOND HÉLÈNE", "dupo hel", "Hélène", "pharmacien paris", "75011"} {
		res := search(t, d, q)
		if len(res) == 0 || res[0].Surname != "DUPOND" {
			t.Errorf("%q → %v; want DUPOND first", q, names(res))
		}
	}
	for _, q := range []string{"lefevre", "LEFÈVRE françois", "marseille infirmier", "751234567", "0751234567"} {
		res := search(t, d, q)
		if len(res) == 0 || res[0].Surname != "LEFÈVRE" {
			t.Errorf("%q → %v; want LEFÈVRE first", q, names(res))
		}
	}
	if res := search(t, d, "Dr Dupont"); len(res) != 1 || res[0].Surname != "DUPONT" || res[0].Matched != 1 {
		t.Errorf("Dr Dupont → %v", names(res))
	}
	if res := search(t, d, "muller zoe"); len(res) == 0 || res[0].GivenName != "Zoé" {
		t.Errorf("muller zoe → %v", names(res))
	}
}

func TestSearchFieldsAndRanking(t *testing.T) {
	d, _ := importFixture(t, "extraction_small.txt")
	cases := []struct {
		q     string
		first string
	}{
		{"10003456789", "Dr Jean DUPONT"},                          // RPPS
		{"810007654321", "Dr Claire MARTIN"},                       // national identifier
		{"690781810", "Dr Jean DUPONT"},                            // FINESS of the second mailbox
		{"cardiologie maladies", "Dr Claire MARTIN"},               // specialty
		{"pediatrie", "Dr Paul DURAND"},                            // specialty
		{"timone", "Dr Claire MARTIN"},                             // structure
		{"pharmacie pau", "PHARMACIE DU CENTRE"},                   // structure name + town
		{"claude bernard", "Dr Jean DUPONT"},                       // street of the second address
		{"secretariat.cardio@ch-pau", "CENTRE HOSPITALIER DE PAU"}, // mailbox address prefix
		{"pau", "CENTRE HOSPITALIER DE PAU"},                       // a structure's name is its name
		{"paul", "Dr Paul DURAND"},                                 // name before the town
		{"du", "Dr Hélène DUPOND"},                                 // short prefix: names in order
	}
	for _, c := range cases {
		res := search(t, d, c.q)
		if len(res) == 0 || res[0].DisplayName() != c.first {
			t.Errorf("%q → %v; want %q first", c.q, names(res), c.first)
		}
	}
	// More matched words first: "durand pau" ranks Paul Durand (both words) first, then the
	// others in Pau (one word).
	res := search(t, d, "durand pau")
	if len(res) < 3 || res[0].DisplayName() != "Dr Paul DURAND" || res[0].Matched != 2 || res[1].Matched != 1 {
		t.Errorf("durand pau → %v", names(res))
	}
	// Exact before prefix: "pau" as a town (exact) comes before "paul" given names… among
	// non-name fields; and PER/ORG are shown.
	res = search(t, d, "pharmacie du centre")
	if len(res) == 0 || !slices.Equal(res[0].Kinds(), []string{"ORG"}) || !res[0].IsStructure() {
		t.Errorf("pharmacie du centre → %+v", res)
	}
	if got := search(t, d, "introuvable"); len(got) != 0 {
		t.Errorf("introuvable → %v", names(got))
	}
}

func TestSearchBeforeImport(t *testing.T) {
	d, err := Open(filepath.Join(t.TempDir(), "absent.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := d.Info(); ok {
		t.Error("Info reports an import")
	}
	if _, err := d.Search(context.Background(), "dupont", 10); !errors.Is(err, ErrNotImported) {
		t.Errorf("search before import: %v", err)
	}
}

func writeZip(t *testing.T, path, name string, data []byte) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	// Stored, not deflated, so that a test can damage a known byte.
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func TestImportZipAndTruncatedZipKeepsOldDirectory(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join("testdata", "extraction_small.txt"))
	if err != nil {
		t.Fatal(err)
	}
	zipPath := filepath.Join(dir, "Extraction_Correspondance_MSSante.zip")
	writeZip(t, zipPath, "Extraction_Correspondance_MSSante_202611250300.txt", data)
	d, err := Open(filepath.Join(dir, "annuaire.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rep, err := d.Import(context.Background(), zipPath, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Source != "Extraction_Correspondance_MSSante_202611250300.txt" || rep.Rows != 9 {
		t.Fatalf("zip import report = %+v", rep)
	}

	// The same archive cut in the middle (a download that stopped).
	whole, _ := os.ReadFile(zipPath)
	for _, cut := range []int{len(whole) / 2, len(whole) - 10} {
		trunc := filepath.Join(dir, "truncated.zip")
		os.WriteFile(trunc, whole[:cut], 0o644)
		_, err = d.Import(context.Background(), trunc, ImportOptions{})
		if !errors.Is(err, ErrBadArchive) {
			t.Errorf("truncated at %d: error %v; want ErrBadArchive", cut, err)
		}
		if res := search(t, d, "dupont"); len(res) != 1 {
			t.Errorf("after a failed import, dupont → %v; the old directory must stay usable", names(res))
		}
	}
	// A damaged entry (bad checksum) is an archive error too.
	broken := slices.Clone(whole)
	i := strings.Index(string(broken), "DUPONT")
	broken[i] = 'X'
	bad := filepath.Join(dir, "damaged.zip")
	os.WriteFile(bad, broken, 0o644)
	if _, err := d.Import(context.Background(), bad, ImportOptions{}); !errors.Is(err, ErrBadArchive) {
		t.Errorf("damaged zip: %v; want ErrBadArchive", err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".annuaire-*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestInterruptedImportKeepsOldDirectory(t *testing.T) {
	dir := t.TempDir()
	d, err := Open(filepath.Join(dir, "annuaire.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Import(context.Background(), filepath.Join("testdata", "extraction_small.txt"), ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.txt")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := gen.New(1).Write(f, 8000, "\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()

	for _, stage := range []Stage{StageReading, StageIndexing, StageWriting} {
		ctx, cancel := context.WithCancel(context.Background())
		var seen []Progress
		_, err = d.Import(ctx, big, ImportOptions{Progress: func(p Progress) {
			seen = append(seen, p)
			if p.Stage == stage && p.Done > 0 {
				cancel()
			}
		}})
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancel during stage %d: err = %v", stage, err)
		}
		if len(seen) == 0 || seen[0].Total == 0 {
			t.Errorf("no progress reported: %v", seen)
		}
		if res := search(t, d, "dupont jean"); len(res) == 0 || res[0].NationalID != "810003456789" {
			t.Fatalf("after cancel at stage %d the old directory is gone: %v", stage, names(res))
		}
		if info, _ := d.Info(); info.Entries != 8 {
			t.Errorf("entries after cancel = %d", info.Entries)
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".annuaire-*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
	// A complete import replaces it.
	var last Progress
	rep, err := d.Import(context.Background(), big, ImportOptions{Progress: func(p Progress) { last = p }})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 8000 || rep.BadLines != 0 || last.Stage != StageWriting || last.Done != last.Total {
		t.Errorf("report = %+v, last progress %+v", rep, last)
	}
	if res := search(t, d, "10003456789"); len(res) != 0 {
		t.Errorf("old entries still found: %v", names(res))
	}
}

func TestImportMissingFileAndGarbage(t *testing.T) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "annuaire.db")
	if _, err := Import(context.Background(), filepath.Join(dir, "absent.txt"), dst, ImportOptions{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	garbage := filepath.Join(dir, "garbage.txt")
	os.WriteFile(garbage, []byte("\x00\xff\xfe|||\nnot a directory\n"+strings.Repeat("x", maxLine+10)+"\n"), 0o644)
	rep, err := Import(context.Background(), garbage, dst, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 0 || rep.BadLines != 3 || !rep.NoHeader || rep.Bad[2].Reason != "ligne trop longue" {
		t.Errorf("garbage report = %+v", rep)
	}
	d, err := Open(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if res := search(t, d, "a"); len(res) != 0 {
		t.Errorf("empty directory returned %v", res)
	}
}

func TestOpenDamagedFileStillImports(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "annuaire.db")
	os.WriteFile(path, []byte(strings.Repeat("not a bbolt file ", 2000)), 0o644)
	d, err := Open(path)
	if !errors.Is(err, ErrCorrupt) || d == nil {
		t.Fatalf("open damaged file: %v, %v", d, err)
	}
	defer d.Close()
	if _, err := d.Search(context.Background(), "dupont", 5); !errors.Is(err, ErrNotImported) {
		t.Errorf("search on a damaged file: %v", err)
	}
	if _, err := d.Import(context.Background(), filepath.Join("testdata", "extraction_small.txt"), ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if res := search(t, d, "dupont"); len(res) != 1 {
		t.Errorf("after re-import: %v", names(res))
	}
}
