package demo_test

import (
	"archive/zip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"comptoir/app"
	"comptoir/app/annuaire"
	"comptoir/app/apptest"
	"comptoir/app/bridge"
	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cps/cpstest"
)

// fixture is an extraction in the real format (header row, 31 columns) with two mailboxes
// for Dr Jean DUPONT (Lyon), a DUPOND in Paris, structures, and three bad lines.
const fixture = "../../app/annuaire/testdata/extraction_small.txt"

// recording is the real directory, with the progress of its updates recorded.
type recording struct {
	*bridge.Annuaire
	mu   sync.Mutex
	seen []annuaire.Progress
}

func (r *recording) Update(ctx context.Context, src string, progress func(annuaire.Progress)) (*annuaire.ImportReport, error) {
	return r.Annuaire.Update(ctx, src, func(p annuaire.Progress) {
		r.mu.Lock()
		r.seen = append(r.seen, p)
		r.mu.Unlock()
		progress(p)
	})
}

func (r *recording) progress() []annuaire.Progress {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]annuaire.Progress(nil), r.seen...)
}

// importedDirectory is a real directory file in t's temporary directory, the fixture imported.
func importedDirectory(t *testing.T, o bridge.AnnuaireOptions) *recording {
	t.Helper()
	o.Path = filepath.Join(t.TempDir(), "annuaire.db")
	a, err := bridge.OpenAnnuaire(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	rep, err := a.Update(context.Background(), fixture, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.BadLines == 0 {
		t.Fatal("the fixture's bad lines were not reported")
	}
	return &recording{Annuaire: a}
}

// startWith opens the UI on the demo world with d as the directory and the card labelled
// label selected (not logged in).
func startWith(t *testing.T, label string, d app.Directory) *apptest.Harness {
	t.Helper()
	return startDeps(t, label, func(deps *app.Deps) { deps.Directory = d })
}

// suggestions waits for a To/Cc field's suggestions, shown as the user types, and returns
// them as the list shows them ("name — detail").
func suggestions(t *testing.T, h *apptest.Harness, f *app.AddressField) []string {
	t.Helper()
	h.WaitFor("the suggestions under the field", func() bool { return f.Suggestions.Visible() })
	return f.Suggestions.Texts()
}

// Issue 17: suggestions appear as the user types, after three letters (no arrow to tap),
// with the profession and the town; the arrow keys choose one, Entrée takes it; « Aucun
// résultat » when nothing matches; a tap takes one too.
func TestComposerSuggestsFromTheDirectory(t *testing.T) {
	d := importedDirectory(t, bridge.AnnuaireOptions{})
	h := startWith(t, cpstest.Titulaire.Label, d)
	openMail(t, h)
	test.Tap(h.UI.Main.NewButton)
	h.WaitFor("the composer", func() bool { return len(h.UI.Composers()) == 1 })
	c := h.UI.Composers()[0]

	c.Window.Canvas().Focus(c.To)
	test.Type(c.To, "du")
	h.Drain()
	if c.To.Suggestions.Visible() {
		t.Fatal("suggestions after two letters")
	}
	test.Type(c.To, "p")
	got := suggestions(t, h, c.To)
	want := map[string]string{
		"cabinet":  "Dr Jean DUPONT — Médecin, Médecine générale — 69003 LYON — jean.dupont@medecin.mssante.fr (PER)",
		"hospital": "Dr Jean DUPONT — Médecin, Médecine générale — 69007 LYON — jean.dupont@ch-lyon.mssante.fr (PER)",
		"dupond":   "Dr Hélène DUPOND — Pharmacien — 75011 PARIS — helene.dupond@pharmacien.mssante.fr (PER)",
	}
	for what, l := range want {
		if !slices.Contains(got, l) {
			t.Fatalf("no %s suggestion %q; the list offers:\n%s", what, l, strings.Join(got, "\n"))
		}
	}
	// The arrow keys move to the hospital address, Entrée takes it.
	hospital := slices.Index(got, want["hospital"])
	for range hospital {
		c.To.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
	}
	if s, ok := c.To.Suggestions.Selected(); !ok || s.Address.Email != "jean.dupont@ch-lyon.mssante.fr" {
		t.Fatalf("after %d × ↓ the highlighted suggestion is %+v", hospital, s)
	}
	c.To.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	h.Drain()
	if got := c.To.Text; got != "Dr Jean DUPONT <jean.dupont@ch-lyon.mssante.fr>, " {
		t.Fatalf("choosing the hospital address fills To with %q", got)
	}
	if c.To.Suggestions.Visible() {
		t.Fatal("the suggestions stay open after a choice")
	}
	// Nothing matches: « Aucun résultat ».
	test.Type(c.To, "zzqx")
	if got := suggestions(t, h, c.To); len(got) != 1 || got[0] != "Aucun résultat" {
		t.Fatalf("no match shows %q", got)
	}
	c.To.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if c.To.Suggestions.Visible() {
		t.Fatal("Échap leaves the suggestions open")
	}

	// In Cc, after an address already typed: only the last one is completed; a tap takes it.
	test.Type(c.Cc, "secretariat@exemple.mssante.fr, cardio pau")
	l := "CENTRE HOSPITALIER DE PAU — Secrétariat de cardiologie — 64000 PAU — secretariat.cardio@ch-pau.mssante.fr (ORG)"
	got = suggestions(t, h, c.Cc)
	i := slices.Index(got, l)
	if i < 0 {
		t.Fatalf("no ORG suggestion for « cardio pau »: %q", got)
	}
	test.Tap(c.Cc.Suggestions.Rows[i])
	h.Drain()
	if got := c.Cc.Text; got != "secretariat@exemple.mssante.fr, CENTRE HOSPITALIER DE PAU <secretariat.cardio@ch-pau.mssante.fr>, " {
		t.Fatalf("Cc is %q", got)
	}
}

// "Contacter un professionnel": results show the name, profession, specialty and town, every
// address with its type, and "Écrire" opens the composer to the chosen address.
func TestContactAProfessional(t *testing.T) {
	d := importedDirectory(t, bridge.AnnuaireOptions{})
	h := startWith(t, cpstest.Titulaire.Label, d)
	openMail(t, h)
	found := false
	for _, m := range h.UI.Window.MainMenu().Items {
		for _, it := range m.Items {
			found = found || it.Label == "Contacter un professionnel"
		}
	}
	if !found {
		t.Fatal("no « Contacter un professionnel » in the menu")
	}
	s := h.UI.ShowAnnuaire()
	test.Type(s.Query, "dupont lyon")
	h.WaitFor("the DUPONT result", func() bool { return len(s.Rows) > 0 && s.Rows[0].Name.Text == "Dr Jean DUPONT" })
	r := s.Rows[0]
	if got, want := r.Detail.Text, "Médecin — Médecine générale — LYON"; got != want {
		t.Errorf("detail %q, want %q", got, want)
	}
	wantBoxes := []string{
		"PER  jean.dupont@medecin.mssante.fr — CABINET MEDICAL DUPONT, 69003 LYON",
		"PER  jean.dupont@ch-lyon.mssante.fr — CENTRE HOSPITALIER SAINT-JOSEPH, Urgences, 69007 LYON",
	}
	if len(r.Boxes) != len(wantBoxes) {
		t.Fatalf("%d addresses shown, want %d", len(r.Boxes), len(wantBoxes))
	}
	for i, w := range wantBoxes {
		if r.Boxes[i].Text != w {
			t.Errorf("address %d: %q, want %q", i, r.Boxes[i].Text, w)
		}
	}
	if !apptest.Contains(apptest.WindowTexts(s.Window), "1 résultat") {
		t.Errorf("no result count shown:\n%s", strings.Join(apptest.WindowTexts(s.Window), "\n"))
	}

	// A structure, found by its town and service.
	s.Query.SetText("pharmacie pau")
	h.WaitFor("the pharmacy", func() bool { return len(s.Rows) > 0 && s.Rows[0].Name.Text == "PHARMACIE DU CENTRE" })
	if b := s.Rows[0].Boxes[0].Text; !strings.HasPrefix(b, "ORG  pharmacie-du-centre-64000-pau@pharmacie.mssante.fr") {
		t.Errorf("structure address line %q", b)
	}

	// "Écrire" on Dr DUPONT's hospital address.
	s.Query.SetText("dupont jean")
	h.WaitFor("the DUPONT result", func() bool { return len(s.Rows) > 0 && len(s.Rows[0].Write) == 2 })
	test.Tap(s.Rows[0].Write[1])
	h.WaitFor("the composer", func() bool { return len(h.UI.Composers()) == 1 })
	c := h.UI.Composers()[0]
	if got := c.To.Text; got != "Dr Jean DUPONT <jean.dupont@ch-lyon.mssante.fr>" {
		t.Fatalf("the composer is addressed to %q", got)
	}
	if c.From.Selected == "" {
		t.Fatal("the composer has no sender BAL")
	}

	s.Query.SetText("zzzz")
	h.WaitFor("no result", func() bool { return s.Status.Text == "Aucun résultat." && len(s.Rows) == 0 })
}

// "Mettre à jour l'annuaire": the progress bar reaches the end, the lines set aside are
// listed with their numbers, and after a failed import the previous directory stays in use.
func TestUpdateTheDirectory(t *testing.T) {
	a, err := bridge.OpenAnnuaire(bridge.AnnuaireOptions{Path: filepath.Join(t.TempDir(), "annuaire.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	d := &recording{Annuaire: a}
	h := startWith(t, cpstest.Titulaire.Label, d) // the directory needs no card
	st := h.UI.ShowSettings()
	if !apptest.Contains(apptest.WindowTexts(st.Window), "Mettre à jour l'annuaire") {
		t.Fatal("no « Mettre à jour l'annuaire » in the settings")
	}
	s := h.UI.ShowAnnuaire()
	if !strings.Contains(s.Status.Text, "pas encore importé") {
		t.Fatalf("before any import the search screen says %q", s.Status.Text)
	}

	w := h.UI.ShowAnnuaireUpdate()
	run := func(src string) {
		t.Helper()
		w.Source.SetText(src)
		test.Tap(w.Start)
		done := w.Done
		h.WaitFor("the update's end", func() bool {
			select {
			case <-done:
				return !w.Start.Disabled()
			default:
				return false
			}
		})
	}
	run(fixture)
	if w.Progress.Value != 1 || w.Stage.Text != "Terminé." {
		t.Fatalf("at the end the bar is at %v, stage %q", w.Progress.Value, w.Stage.Text)
	}
	seen := d.progress()
	last := map[annuaire.Stage]annuaire.Progress{}
	for _, p := range seen {
		last[p.Stage] = p
	}
	if p, ok := last[annuaire.StageReading]; !ok || p.Total == 0 || p.Done != p.Total {
		t.Fatalf("reading progress did not reach the end: %+v", seen)
	}
	if !strings.HasPrefix(w.Result.Text, "Annuaire mis à jour : 8 professionnels et structures, 9 adresses") {
		t.Fatalf("result %q", w.Result.Text)
	}
	for _, want := range []string{"3 lignes ignorées :", "ligne 5 : ", "ligne 9 : ", "ligne 13 : "} {
		if !strings.Contains(w.BadLines.Text, want) {
			t.Errorf("the bad-lines report lacks %q:\n%s", want, w.BadLines.Text)
		}
	}
	if !strings.Contains(w.Info.Text, "depuis extraction_small.txt : 8 professionnels et structures, 9 adresses") {
		t.Errorf("the current directory is described as %q", w.Info.Text)
	}

	// A truncated ZIP fails; the previous directory stays, searchable.
	raw, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	zipPath := filepath.Join(t.TempDir(), "Extraction_Correspondance_MSSante.zip")
	f, err := os.Create(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	zf, _ := zw.Create("Extraction_Correspondance_MSSante_202611250600.txt")
	zf.Write(raw)
	zw.Close()
	size, _ := f.Seek(0, 1)
	f.Truncate(size / 2)
	f.Close()
	run(zipPath)
	if got := w.Result.Text; got != "L'archive ZIP est illisible ou tronquée. L'annuaire précédent est conservé." {
		t.Fatalf("a truncated ZIP shows %q", got)
	}
	run(filepath.Join(t.TempDir(), "absent.zip"))
	if !strings.Contains(w.Result.Text, "L'annuaire précédent est conservé.") {
		t.Fatalf("a missing file shows %q", w.Result.Text)
	}
	if !strings.Contains(w.Info.Text, "extraction_small.txt") {
		t.Errorf("after the failures the current directory is described as %q", w.Info.Text)
	}
	s.Query.SetText("dupont")
	h.WaitFor("DUPONT after the failed import", func() bool { return len(s.Rows) > 0 && s.Rows[0].Name.Text == "Dr Jean DUPONT" })
}

// Demo mode: the directory is filled with the sandbox's published extraction, and updates
// download it over HTTPS (checked with the test IGC-Santé root).
func TestDemoDirectoryFromTheSandbox(t *testing.T) {
	a, err := env.Annuaire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	pharmacy := sandbox.Seed(sandbox.DefaultDomain).Pharmacy
	res, err := a.Search(context.Background(), "tilleuls lyon", 5, false)
	if err != nil || len(res) == 0 || res[0].Mailboxes[0].Address != pharmacy {
		t.Fatalf("the demo directory finds %+v, %v; want %s", res, err, pharmacy)
	}
	d := &recording{Annuaire: a}
	h := startWith(t, cpstest.Titulaire.Label, d)
	w := h.UI.ShowAnnuaireUpdate()
	if w.Source.Text != env.Sandbox.DirectoryURL() {
		t.Fatalf("the update offers %q", w.Source.Text)
	}
	test.Tap(w.Start)
	h.WaitFor("the download's end", func() bool { return w.Stage.Text == "Terminé." || w.Result.Text != "" && !w.Start.Disabled() })
	if w.Stage.Text != "Terminé." {
		t.Fatalf("the download from the sandbox ends with %q", w.Result.Text)
	}
	downloaded := false
	for _, p := range d.progress() {
		downloaded = downloaded || p.Stage == annuaire.StageDownloading && p.Done > 0
	}
	if !downloaded {
		t.Fatalf("no download progress: %+v", d.progress())
	}
}

// fhirReplay answers as the Annuaire Santé FHIR API with the documented Bundles kept in
// app/annuaire/testdata/fhir (the one part with no real counterpart to run), checking the key.
func fhirReplay(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("ESANTE-API-KEY") != "cle-de-test" {
			http.Error(w, `{"resourceType":"OperationOutcome"}`, http.StatusUnauthorized)
			return
		}
		name := "empty.json"
		if strings.HasPrefix(r.URL.Path, "/fhir/v2/Practitioner") && !strings.HasPrefix(r.URL.Path, "/fhir/v2/PractitionerRole") {
			name = "practitioner-name-dupont.json"
		}
		data, err := os.ReadFile(filepath.Join("../../app/annuaire/testdata/fhir", name))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/fhir+json;charset=utf-8")
		w.Write(data)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// With an API key saved in the update window, the search also asks the FHIR API: online
// addresses join the offline entry; when the API fails, the offline results stay and the
// screen says the online search is unavailable.
func TestOnlineLookupWithAnAPIKey(t *testing.T) {
	srv := fhirReplay(t)
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	keyPath := filepath.Join(t.TempDir(), "annuaire-api-key")
	d := importedDirectory(t, bridge.AnnuaireOptions{KeyPath: keyPath, FHIRBase: srv.URL + "/fhir/v2",
		TLSConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}})
	h := startWith(t, cpstest.Titulaire.Label, d)

	w := h.UI.ShowAnnuaireUpdate()
	test.Type(w.APIKey, "cle-de-test")
	test.Tap(w.SaveKey)
	if w.Result.Text != "Clé d'API enregistrée." {
		t.Fatalf("saving the key shows %q", w.Result.Text)
	}
	if fi, err := os.Stat(keyPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}

	s := h.UI.ShowAnnuaire()
	if !s.Online.Visible() {
		t.Fatal("no « Chercher aussi en ligne » with a key set")
	}
	test.Type(s.Query, "jean dupont")
	s.Online.SetChecked(true)
	online := "jean.dupont@ch-saint-joseph.mssante.fr"
	hasBox := func(addr string) bool {
		for _, r := range s.Rows {
			for _, b := range r.Boxes {
				if strings.Contains(b.Text, addr) {
					return true
				}
			}
		}
		return false
	}
	h.WaitFor("the online address", func() bool { return hasBox(online) })
	if !hasBox("jean.dupont@ch-lyon.mssante.fr") {
		t.Fatal("the offline addresses are gone from the merged result")
	}

	srv.Close()
	s.Query.SetText("jean dupon")
	h.WaitFor("the online failure", func() bool { return strings.HasPrefix(s.Status.Text, "Recherche en ligne indisponible") })
	if !hasBox("jean.dupont@ch-lyon.mssante.fr") || hasBox(online) {
		t.Fatalf("after the API failed the screen shows:\n%s", strings.Join(apptest.WindowTexts(s.Window), "\n"))
	}
}
