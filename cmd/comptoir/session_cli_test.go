package main

import (
	"bytes"
	"context"
	"crypto"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cps/cpstest"
	"comptoir/mail/msg"
	"comptoir/store"
)

// TestCLIUsesTheSessionCore: the command line opens the same session as the app, so it
// agrees with it. On the main before the session core, `send` never loaded the trust list
// (a recipient outside the trust space went out), `--bal` took any address without asking
// the operator, the audit author was written "Prénom NOM (8…)" instead of the app's form, the
// From name came from --nom, and `doctor` checked only the card (exit 0 with the operator
// down). Each command runs in a child process: SoftHSM reads its configuration once per
// process.
func TestCLIUsesTheSessionCore(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	pkiDir, cardsDir, data := t.TempDir(), t.TempDir(), t.TempDir()
	pki, err := cpstest.NewPKI(pkiDir)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sandbox.Start(ctx, sandbox.Options{DataDir: t.TempDir(), PKI: pki, Seed: true, ValidationDelay: time.Hour,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	a := sandbox.Seed(srv.Domain())
	// The workstation's trust-space list, where the app and the command line read it.
	list, err := os.ReadFile(srv.TrustListPath())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(data, "comptoir"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "comptoir", "listeblanchemssante.xml"), list, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestCLIUsesTheSessionCoreChild$", "-test.v")
	cmd.Env = append(os.Environ(), "CLI_CHILD_CONFIG="+writeSandboxConfig(t, srv), "CLI_CHILD_PKI="+pkiDir,
		"CLI_CHILD_CARDS="+cardsDir, "CLI_CHILD_TITULAIRE="+a.Titulaire, "CLI_CHILD_DOCTOR="+a.Doctor,
		"CLI_CHILD_OTHER="+a.Assistant, "XDG_DATA_HOME="+data, "SOFTHSM2_CONF=")
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS: TestCLIUsesTheSessionCoreChild")) {
		t.Fatalf("CLI child: %v\n%s", err, out)
	}
	got, err := srv.Messages(a.Doctor)
	if err != nil {
		t.Fatal(err)
	}
	var sent []byte
	for _, raw := range got {
		if bytes.Contains(raw, []byte("Subject: Disponibilite")) {
			sent = raw
		}
	}
	if sent == nil {
		t.Fatal("the doctor did not receive the message")
	}
	// ECO.2.2.7: <Titre>_<Prénom>_<NOM>_<Entité> from the card, never a name typed in argv.
	p, err := msg.Parse(sent)
	if err != nil {
		t.Fatal(err)
	}
	if p.From.Name != "Dr_Élise_BONNEFOY_PHARMACIE DES TILLEULS" {
		t.Errorf("the From display name %q does not follow ECO.2.2.7", p.From.Name)
	}
}

// TestCLIUsesTheSessionCoreChild is the child of TestCLIUsesTheSessionCore.
func TestCLIUsesTheSessionCoreChild(t *testing.T) {
	cfg := os.Getenv("CLI_CHILD_CONFIG")
	if cfg == "" {
		return
	}
	pki, err := cpstest.NewPKI(os.Getenv("CLI_CHILD_PKI"))
	if err != nil {
		t.Fatal(err)
	}
	os.Unsetenv("SOFTHSM2_CONF")
	cards, err := cpstest.NewCards(os.Getenv("CLI_CHILD_CARDS"), pki)
	if err != nil {
		t.Fatal(err)
	}
	titulaire, doctor, other := os.Getenv("CLI_CHILD_TITULAIRE"), os.Getenv("CLI_CHILD_DOCTOR"), os.Getenv("CLI_CHILD_OTHER")
	cli := func(pin string, args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		args = append(args, "--config", cfg, "--module", cards.ModulePath(), "--label", cpstest.Titulaire.Label)
		code := run(context.Background(), &cliEnv{stdin: strings.NewReader(pin + "\n"), stdout: &out, stderr: &errb}, args)
		return out.String(), errb.String(), code
	}

	// The trust list is loaded: a recipient outside the trust space needs --confirmer.
	_, errs, code := cli("1234", "send", "--bal", titulaire, "--to", "quelquun@gmail.com", "--subject", "Hors espace",
		"--text", "Bonjour")
	if code != 2 || !strings.Contains(errs, "gmail.com") || !strings.Contains(errs, "--confirmer") {
		t.Errorf("a recipient outside the trust space: exit %d, stderr:\n%s", code, errs)
	}

	// A BAL that is not the card's is refused before anything is sent.
	_, errs, code = cli("1234", "send", "--bal", other, "--to", doctor, "--subject", "Pas ma BAL", "--text", "Bonjour")
	if code != 1 || !strings.Contains(errs, other+" n'est pas une boîte aux lettres de cette carte") {
		t.Errorf("another holder's BAL: exit %d, stderr:\n%s", code, errs)
	}

	// The From name is the card's (ECO.2.2.7, checked by the parent on the wire).
	out, errs, code := cli("1234", "send", "--bal", titulaire, "--to", doctor, "--subject", "Disponibilite", "--text", "Bonjour")
	if code != 0 || !strings.Contains(out, "envoyé et classé") {
		t.Fatalf("send: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}

	// The audit author is the app's form.
	m, err := cards.Open()
	if err != nil {
		t.Fatal(err)
	}
	card, err := cards.Login(context.Background(), m, cpstest.Titulaire)
	if err != nil {
		t.Fatal(err)
	}
	path, err := store.PathFor(cpstest.Titulaire.NationalID)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(path, card.TLSCertificate().PrivateKey.(crypto.Signer), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := st.AuditQuery(store.AuditFilter{Action: "send"})
	st.Close()
	card.Close()
	want := "BONNEFOY Élise (" + cpstest.Titulaire.NationalID + ")"
	if err != nil || len(entries) == 0 {
		t.Fatalf("no send in the audit journal (%v)", err)
	}
	for _, e := range entries {
		if e.Author != want {
			t.Errorf("audit author %q, want %q (the app's form)", e.Author, want)
		}
	}

	// doctor checks the operator, not only the card: down, it is a problem (exit 1).
	dead := filepath.Join(t.TempDir(), "config.json")
	raw, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	raw = bytes.Replace(raw, []byte(`"imap":"`), []byte(`"imap":"127.0.0.1:1","old_imap":"`), 1)
	if err := os.WriteFile(dead, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	var dout, derr bytes.Buffer
	code = run(context.Background(), &cliEnv{stdin: strings.NewReader(""), stdout: &dout, stderr: &derr},
		[]string{"doctor", "--config", dead, "--module", cards.ModulePath()})
	if code != 1 || !strings.Contains(dout.String(), "[PROBLÈME]  Serveur IMAP") || !strings.Contains(dout.String(), "injoignable") {
		t.Errorf("doctor with the operator down: exit %d\n%s\n%s", code, dout.String(), derr.String())
	}
}
