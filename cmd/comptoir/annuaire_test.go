package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), &cliEnv{stdin: strings.NewReader(""), stdout: &out, stderr: &errb}, args)
	return out.String(), errb.String(), code
}

// wantOutput fails t for each of wants that out lacks, showing out.
func wantOutput(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestAnnuaireImportAndSearch(t *testing.T) {
	base := filepath.Join(t.TempDir(), "annuaire.db")
	fixture := filepath.Join("..", "..", "app", "annuaire", "testdata", "extraction_small.txt")
	out, errOut, code := runCLI(t, "annuaire", "import", "--base", base, fixture)
	if code != 0 {
		t.Fatalf("import: code %d, %s", code, errOut)
	}
	for _, want := range []string{"9 adresses", "8 professionnels et structures", "3 lignes ignorées",
		"ligne 5 : 4 colonnes au lieu de 31", "ligne 9 : adresse BAL absente ou invalide"} {
		if !strings.Contains(out, want) {
			t.Errorf("import output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "Lecture du fichier") {
		t.Errorf("no progress line on stderr: %q", errOut)
	}

	out, errOut, code = runCLI(t, "annuaire", "search", "--base", base, "dupont", "jean")
	if code != 0 {
		t.Fatalf("search: code %d, %s", code, errOut)
	}
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[0], "Dr Jean DUPONT — Médecin (Médecine générale) — LYON — RPPS 10003456789") ||
		!strings.Contains(lines[1], "PER  jean.dupont@medecin.mssante.fr  CABINET MEDICAL DUPONT, 12 R DE LA RÉPUBLIQUE, 69003 LYON") ||
		!strings.Contains(lines[2], "jean.dupont@ch-lyon.mssante.fr  CENTRE HOSPITALIER SAINT-JOSEPH / Urgences") {
		t.Errorf("search output:\n%s", out)
	}
	out, _, _ = runCLI(t, "annuaire", "search", "--base", base, "pharmacie", "pau")
	if !strings.Contains(out, "ORG  pharmacie-du-centre-64000-pau@pharmacie.mssante.fr") {
		t.Errorf("ORG not shown:\n%s", out)
	}
	out, _, _ = runCLI(t, "annuaire", "search", "--base", base, "introuvable")
	if !strings.Contains(out, "Aucun résultat") {
		t.Errorf("no-result output: %q", out)
	}
	out, _, _ = runCLI(t, "annuaire", "info", "--base", base)
	if !strings.Contains(out, "extraction_small.txt") {
		t.Errorf("info output: %q", out)
	}
}

func TestAnnuaireErrors(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "annuaire.db")
	if _, errOut, code := runCLI(t, "annuaire", "search", "--base", base, "dupont"); code != 1 || !strings.Contains(errOut, "aucun annuaire importé") {
		t.Errorf("search before import: %d %q", code, errOut)
	}
	if _, _, code := runCLI(t, "annuaire"); code != 2 {
		t.Errorf("no sub-command: code %d", code)
	}
	trunc := filepath.Join(dir, "cut.zip")
	os.WriteFile(trunc, []byte("PK\x03\x04 truncated"), 0o644)
	if _, errOut, code := runCLI(t, "annuaire", "import", "--base", base, trunc); code != 1 || !strings.Contains(errOut, "archive ZIP illisible") {
		t.Errorf("truncated zip: %d %q", code, errOut)
	}
	if _, errOut, code := runCLI(t, "annuaire", "listeblanche", "import", "--dest", filepath.Join(dir, "l.xml"), "http://example.org/l.xml"); code != 1 || !strings.Contains(errOut, "https://") {
		t.Errorf("http list: %d %q", code, errOut)
	}
}

// TestAnnuaireTrustListFromFile imports the real signed list with the real IGC-Santé
// root as trust store, and refuses an unsigned list.
func TestAnnuaireTrustListFromFile(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "listeblanchemssante.xml")
	f, err := os.Open("../../mail/trustlist/testdata/listeblanchemssante-2025-02-28-signee.xml.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(src, signed, 0o644)
	store := "--magasin=../../mail/trustlist/testdata/igc-sante/ACR-EL.cer"
	out, errOut, code := runCLI(t, "annuaire", "listeblanche", "import", store, "--dest", filepath.Join(dir, "stored.xml"), src)
	if code != 0 || !strings.Contains(out, "domaines") || !strings.Contains(out, "signée par alb.mssante.fr") ||
		!strings.Contains(out, "28/02/2025") || !strings.Contains(out, "Attention") {
		t.Fatalf("code %d out %q err %q", code, out, errOut)
	}
	unsigned := filepath.Join(dir, "non-signee.xml")
	os.WriteFile(unsigned, []byte(`<?xml version="1.0" encoding="UTF-8"?>
<ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema"><DateDeGeneration>2026-11-25T03:00:00Z</DateDeGeneration>
<ListeDomaines><Domaine><Nom>faux.example</Nom></Domaine></ListeDomaines></ListeBlancheMSSante>`), 0o644)
	_, errOut, code = runCLI(t, "annuaire", "listeblanche", "import", store, "--dest", filepath.Join(dir, "stored.xml"), unsigned)
	if code != 1 || !strings.Contains(errOut, "n'est pas signée") || !strings.Contains(errOut, "précédente est conservée") {
		t.Fatalf("unsigned list: code %d err %q", code, errOut)
	}
}
