package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"comptoir/cps/cpstest"
)

// The SoftHSM configuration is read once per process, so the test cards are made once,
// lazily, by testCards, and shared by every test of the package; TestMain removes them.
var shared struct {
	once  sync.Once
	dir   string
	pki   *cpstest.PKI
	cards *cpstest.Cards
	err   error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// testCards returns the package's test PKI and SoftHSM cards (SOFTHSM2_CONF points at
// them once this returns).
func testCards(t testing.TB) (*cpstest.PKI, *cpstest.Cards) {
	t.Helper()
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "comptoir-cmd-test-")
		if shared.err != nil {
			return
		}
		os.Unsetenv("SOFTHSM2_CONF") // an inherited value names someone else's tokens
		shared.pki, shared.cards, shared.err = cpstest.NewTestCards(shared.dir)
	})
	if shared.err != nil {
		t.Fatalf("test cards: %v", shared.err)
	}
	return shared.pki, shared.cards
}

// runCardCLI runs the comptoir command line with stdin and returns its exit code and output.
func runCardCLI(t testing.TB, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := &cliEnv{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut}
	code := run(context.Background(), env, args)
	return code, out.String(), errOut.String()
}

func TestCardListsReaders(t *testing.T) {
	_, cards := testCards(t)
	code, out, errOut := runCardCLI(t, "", "card", "--module", cards.ModulePath())
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, fx := range cpstest.Fixtures() {
		if !strings.Contains(out, "carte « "+fx.Label+" »") {
			t.Errorf("output lacks card %s:\n%s", fx.Label, out)
		}
	}
	if !strings.Contains(out, "pas de carte") {
		t.Errorf("the blank SoftHSM slot should show as an empty reader:\n%s", out)
	}
}

func TestCardInfoPrintsIdentityAndSituations(t *testing.T) {
	_, cards := testCards(t)
	fx := cpstest.Medecin
	code, out, errOut := runCardCLI(t, fx.PIN+"\n", "card", "info", "--module", cards.ModulePath(), "--label", fx.Label)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	wantOutput(t, out,
		"Porteur : Antoine FAUVEL",
		"Profession : Médecin",
		"Identifiant national : 899700524681 (RPPS 99700524681)",
		"1. CABINET DU DR FAUVEL, identifiant de structure 4899700524681, secteur SA07",
		"2. CENTRE HOSPITALIER DES CEDRES, FINESS 690999131, secteur SA01",
	)
	if strings.Contains(out+errOut, fx.PIN+"\n") {
		t.Error("the PIN is echoed")
	}
}

func TestCardInfoJSON(t *testing.T) {
	_, cards := testCards(t)
	fx := cpstest.Titulaire
	code, out, errOut := runCardCLI(t, fx.PIN+"\r\n", "card", "info", "--json", "--module", cards.ModulePath(), "--label", fx.Label)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got cardInfo
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if got.NationalID != fx.NationalID || got.IDType != "RPPS" || got.Surname != "BONNEFOY" || got.GivenName != "Élise" {
		t.Errorf("identity = %+v", got)
	}
	if len(got.Situations) != 1 || got.Situations[0].FINESS != cpstest.Pharmacie.StructureID ||
		got.Situations[0].StructureName != cpstest.Pharmacie.StructureName {
		t.Errorf("situations = %+v", got.Situations)
	}
	if !got.Card.RSAPSS || got.Card.MaxTLS != "1.3" || got.Card.Label != fx.Label {
		t.Errorf("card = %+v", got.Card)
	}
}

func TestCardInfoWrongPINIsExplained(t *testing.T) {
	_, cards := testCards(t)
	fx := cpstest.Preparateur
	code, out, errOut := runCardCLI(t, "0000\n", "card", "info", "--module", cards.ModulePath(), "--label", fx.Label)
	if code != 1 || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	if !strings.Contains(errOut, "code PIN incorrect") || !strings.Contains(errOut, "blocage de la carte") {
		t.Errorf("stderr = %q", errOut)
	}
	// The right PIN still works: one wrong try does not lock.
	if code, _, errOut := runCardCLI(t, fx.PIN+"\n", "card", "info", "--module", cards.ModulePath(), "--label", fx.Label); code != 0 {
		t.Fatalf("right PIN after a wrong one: exit %d: %s", code, errOut)
	}
}

func TestCardInfoRefusesAmbiguityAndArguments(t *testing.T) {
	_, cards := testCards(t)
	if code, _, errOut := runCardCLI(t, "1234\n", "card", "info", "--module", cards.ModulePath()); code != 2 || !strings.Contains(errOut, "plusieurs cartes") {
		t.Errorf("several cards: exit %d, %q", code, errOut)
	}
	if code, _, errOut := runCardCLI(t, "", "card", "info", "--module", cards.ModulePath(), "1234"); code != 2 || !strings.Contains(errOut, "jamais passé en argument") {
		t.Errorf("PIN as argument: exit %d, %q", code, errOut)
	}
	if code, _, errOut := runCardCLI(t, "", "card", "info", "--module", cards.ModulePath(), "--label", cpstest.Titulaire.Label); code != 1 || !strings.Contains(errOut, "lecture du code PIN") {
		t.Errorf("no PIN on stdin: exit %d, %q", code, errOut)
	}
	if code, _, errOut := runCardCLI(t, "", "card", "--module", "/nulle/part/libcps.so"); code != 1 || !strings.Contains(errOut, "module de carte introuvable") || !strings.Contains(errOut, "/nulle/part/libcps.so") {
		t.Errorf("missing module: exit %d, %q", code, errOut)
	}
}

func TestDoctor(t *testing.T) {
	_, cards := testCards(t)
	// No operator configured: the card checks pass, the missing operator is the problem.
	code, out, errOut := runCardCLI(t, "", "doctor", "--module", cards.ModulePath())
	if code != 1 {
		t.Fatalf("exit %d, want 1 (no operator): %s\n%s", code, out, errOut)
	}
	wantOutput(t, out, "[OK]        Module de la carte CPS : "+cards.ModulePath(), "4 cartes",
		"[PROBLÈME]  Serveurs de l'opérateur", "Que faire : Vérifiez le domaine ou les adresses de l'opérateur")
	fx := cpstest.PharmacienCPS3
	_, out, errOut = runCardCLI(t, fx.PIN+"\n", "doctor", "--module", cards.ModulePath(), "--login", "--label", fx.Label)
	for _, want := range []string{"Porteur de la carte : SOPHIE GARNIER, Pharmacien (RPPS 99700635719)",
		"Signature de la carte : correcte"} {
		if !strings.Contains(out, want) {
			t.Errorf("--login: output lacks %q:\n%s\n%s", want, out, errOut)
		}
	}
	code, out, _ = runCardCLI(t, "", "doctor", "--module", filepath.Join(t.TempDir(), "absent.so"))
	if code != 1 || !strings.Contains(out, "[PROBLÈME]  Module de la carte CPS : introuvable") || !strings.Contains(out, "Que faire : Module de carte introuvable") {
		t.Errorf("missing module: exit %d:\n%s", code, out)
	}
}

// BenchmarkCardInfo runs "comptoir card info" end to end on SoftHSM: module lookup,
// readers, PIN from stdin, login, reading the card's objects, output, logout.
func BenchmarkCardInfo(b *testing.B) {
	_, cards := testCards(b)
	fx := cpstest.Titulaire
	args := []string{"card", "info", "--json", "--module", cards.ModulePath(), "--label", fx.Label}
	for b.Loop() {
		env := &cliEnv{stdin: strings.NewReader(fx.PIN + "\n"), stdout: io.Discard, stderr: io.Discard}
		if code := run(context.Background(), env, args); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}
