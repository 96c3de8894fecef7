package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cps/cpstest"
)

// balWorld starts a seeded sandbox on the package's test PKI and writes a config.json for it.
func balWorld(t *testing.T) (*sandbox.Server, string, *cpstest.Cards, *cpstest.PKI) {
	t.Helper()
	pki, cards := testCards(t)
	srv, cfg := startBALSandbox(t, t.TempDir(), pki)
	return srv, cfg, cards, pki
}

// startBALSandbox starts a seeded sandbox in dataDir on pki and writes a config.json for it.
func startBALSandbox(t *testing.T, dataDir string, pki sandbox.PKI) (*sandbox.Server, string) {
	t.Helper()
	t.Setenv("XDG_DATA_HOME", t.TempDir()) // the CLI's caches
	srv, err := sandbox.Start(context.Background(), sandbox.Options{DataDir: dataDir, PKI: pki, Seed: true,
		ValidationDelay: 500 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, writeSandboxConfig(t, srv)
}

// writeSandboxConfig writes a config.json naming srv as the operator and returns its path.
func writeSandboxConfig(t *testing.T, srv *sandbox.Server) string {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "config.json")
	conf, _ := json.Marshal(map[string]any{"operator": map[string]any{
		"domain": srv.Domain(), "imap": srv.IMAPAddr(), "submission": srv.SMTPAddr(), "api": srv.APIURL(),
		"server_name": srv.ServerName(), "trust_store": []string{srv.TrustAnchorPath()},
	}})
	if err := os.WriteFile(cfg, conf, 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// writeP12 writes the pharmacy's test organisation certificate (issued by the sandbox's
// PKI, as the operator would) as a password-protected PKCS#12 file, and the password file.
func writeP12(t *testing.T, pki *cpstest.PKI, password string) (p12, passFile string) {
	t.Helper()
	org, err := pki.IssueOrganisation("PHARMACIE DES TILLEULS", cpstest.Pharmacie.StructureID)
	if err != nil {
		t.Fatal(err)
	}
	inter, err := x509.ParseCertificate(org.Certificate[1])
	if err != nil {
		t.Fatal(err)
	}
	data, err := pkcs12.Modern.Encode(org.PrivateKey, org.Leaf, []*x509.Certificate{inter}, password)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p12, passFile = filepath.Join(dir, "officine.p12"), filepath.Join(dir, "officine.pass")
	if err := os.WriteFile(p12, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(passFile, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p12, passFile
}

// TestAPPBALSendsWithOrganisationCertificate: the titulaire (Administrateur of the
// pharmacy's ORG BAL) creates the APP BAL with `comptoir bal create --type APP`, then the
// pharmacy's software sends with `comptoir send --app-cert`, without any card.
func TestAPPBALSendsWithOrganisationCertificate(t *testing.T) {
	srv, cfg, cards, pki := balWorld(t)
	seed := sandbox.Seed(srv.Domain())
	const password = "Mot de passe du logiciel"
	p12, passFile := writeP12(t, pki, password)
	appBAL := "app-pharmacie-des-tilleuls-690999123@" + srv.Domain()

	// Without --accepte-cgu: the CGU are shown and nothing is created.
	code, out, errOut := runCardCLI(t, "1234\n", "bal", "create", "--type", "APP", "--app-cert", p12, "--app-cert-pass-file", passFile,
		"--config", cfg, "--module", cards.ModulePath(), "--lecteur", cpstest.Titulaire.Label)
	if code != 2 || !strings.Contains(out, "Conditions générales d'utilisation") || !strings.Contains(errOut, "--accepte-cgu") {
		t.Fatalf("without --accepte-cgu: exit %d\n%s\n%s", code, out, errOut)
	}

	code, out, errOut = runCardCLI(t, "1234\n", "bal", "create", "--type", "APP", "--accepte-cgu", "--attendre",
		"--app-cert", p12, "--app-cert-pass-file", passFile,
		"--config", cfg, "--module", cards.ModulePath(), "--lecteur", cpstest.Titulaire.Label)
	if code != 0 {
		t.Fatalf("bal create APP: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, s := range []string{"Titulaire : Élise BONNEFOY", "RPPS : " + cpstest.Titulaire.NationalID[1:],
		"PHARMACIE DES TILLEULS — FINESS 690999123", "Adresse : " + appBAL,
		"en attente de validation par l'ANS et d'intégration dans l'Annuaire Santé (24 h minimum)",
		"La boîte aux lettres " + appBAL + " est active."} {
		if !strings.Contains(out, s) {
			t.Errorf("bal create output lacks %q:\n%s", s, out)
		}
	}
	if strings.Contains(out+errOut, password) || strings.Contains(out+errOut, "1234") {
		t.Error("a secret was echoed")
	}

	// The software sends; the password is typed at the prompt (stdin), not in argv.
	code, out, errOut = runCardCLI(t, password+"\n", "send", "--app-cert", p12, "--bal", appBAL,
		"--to", seed.Titulaire, "--subject", "Rappel automatique : ordonnance prête", "--text", "Votre commande est disponible.",
		"--config", cfg)
	if code != 0 || !strings.Contains(out, "envoyé et classé") {
		t.Fatalf("send --app-cert: exit %d\n%s\n%s", code, out, errOut)
	}
	// Delivery follows the submission: wait for it (external state, polled with a deadline).
	waitDelivered(t, srv, seed.Titulaire, appBAL, "Votre commande est disponible.")

	// A wrong password is refused in French.
	code, _, errOut = runCardCLI(t, "faux\n", "send", "--app-cert", p12, "--bal", appBAL, "--to", seed.Titulaire,
		"--subject", "x", "--config", cfg)
	if code != 1 || !strings.Contains(errOut, "mot de passe du certificat logiciel incorrect") {
		t.Errorf("wrong password: exit %d, %q", code, errOut)
	}
}

// TestBALCreateRefusalsAndPER: a préparateur cannot create the ORG BAL and is told why;
// he can create his PER BAL, whose address follows the rule.
func TestBALCreateRefusalsAndPER(t *testing.T) {
	srv, cfg, cards, _ := balWorld(t)
	code, _, errOut := runCardCLI(t, "1234\n", "bal", "create", "--type", "ORG", "--accepte-cgu",
		"--config", cfg, "--module", cards.ModulePath(), "--lecteur", cpstest.Preparateur.Label)
	if code != 1 || !strings.Contains(errOut, "Seul un pharmacien (le titulaire de l'officine) peut créer la BAL organisationnelle") {
		t.Fatalf("préparateur ORG: exit %d, %q", code, errOut)
	}
	code, out, errOut := runCardCLI(t, "1234\n", "bal", "create", "--type", "PER", "--accepte-cgu",
		"--config", cfg, "--module", cards.ModulePath(), "--lecteur", cpstest.Preparateur.Label)
	want := "maxime.lebreton@" + srv.Domain()
	if code != 0 || !strings.Contains(out, "Adresse : "+want) || !strings.Contains(out, "La boîte aux lettres "+want+" est en attente") {
		t.Fatalf("préparateur PER: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = runCardCLI(t, "1234\n", "bal", "liste",
		"--config", cfg, "--module", cards.ModulePath(), "--lecteur", cpstest.Preparateur.Label)
	if code != 0 || !strings.Contains(out, "PER  "+want) {
		t.Fatalf("bal liste: exit %d\n%s\n%s", code, out, errOut)
	}
	// The ORG BAL of the seeded pharmacy exists already: the operator says so.
	code, _, errOut = runCardCLI(t, "1234\n", "bal", "create", "--type", "ORG", "--accepte-cgu", "--code-postal", "69003", "--ville", "Lyon",
		"--config", cfg, "--module", cards.ModulePath(), "--lecteur", cpstest.Titulaire.Label)
	if code != 1 || !strings.Contains(errOut, "Cette BAL existe déjà : pharmacie-des-tilleuls-69003-lyon@") {
		t.Fatalf("second ORG BAL: exit %d, %q", code, errOut)
	}
}

// eventually polls cond until it holds, failing after d.
// waitDelivered waits until the sandbox has delivered to mailbox a message from sender
// whose raw text holds text (delivery follows the submission: polled with a deadline).
func waitDelivered(t *testing.T, srv *sandbox.Server, mailbox, sender, text string) {
	t.Helper()
	eventually(t, 10*time.Second, "the message from "+sender+" in "+mailbox+"'s INBOX", func() bool {
		msgs, err := srv.Messages(mailbox)
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range msgs {
			if bytes.Contains(raw, []byte(text)) && bytes.Contains(raw, []byte(sender)) {
				return true
			}
		}
		return false
	})
}

func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(d)
	for !cond() {
		select {
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		case <-tick.C:
		}
	}
}
