package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cps/cpstest"
)

// TestMailCLI runs `comptoir sync --once` and `comptoir send` against the sandbox operator
// with the titulaire's SoftHSM card, the PIN typed on stdin. Each command runs in a child
// process: SoftHSM reads its configuration once per process.
func TestMailCLI(t *testing.T) {
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
	cfg := writeSandboxConfig(t, srv)
	attachment := filepath.Join(t.TempDir(), "ordonnance.pdf")
	if err := os.WriteFile(attachment, []byte("%PDF-1.4\n%%EOF\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The child runs the commands (SoftHSM reads its configuration once per process, and
	// other tests of this package may have loaded another one).
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestMailCLIChild$", "-test.v")
	cmd.Env = append(os.Environ(), "CLI_CHILD_CONFIG="+cfg, "CLI_CHILD_PKI="+pkiDir, "CLI_CHILD_CARDS="+cardsDir,
		"CLI_CHILD_ATTACH="+attachment, "CLI_CHILD_TITULAIRE="+a.Titulaire, "CLI_CHILD_DOCTOR="+a.Doctor,
		"XDG_DATA_HOME="+data, "SOFTHSM2_CONF=")
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS: TestMailCLIChild")) {
		t.Fatalf("CLI child: %v\n%s", err, out)
	}
	got, err := srv.Messages(a.Doctor)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, raw := range got {
		found = found || bytes.Contains(raw, []byte("ordonnance.pdf"))
	}
	if !found {
		t.Error("the doctor did not receive the message with its attachment")
	}
}

// TestMailCLIChild is the child process of TestMailCLI (it does nothing otherwise): it
// runs `sync --once`, `send` and a sync with a wrong PIN with the SoftHSM card.
func TestMailCLIChild(t *testing.T) {
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
	titulaire, doctor := os.Getenv("CLI_CHILD_TITULAIRE"), os.Getenv("CLI_CHILD_DOCTOR")
	cli := func(pin string, args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		args = append(args, "--config", cfg, "--module", cards.ModulePath(), "--label", cpstest.Titulaire.Label)
		code := run(context.Background(), &cliEnv{stdin: strings.NewReader(pin + "\n"), stdout: &out, stderr: &errb}, args)
		return out.String(), errb.String(), code
	}
	out, errs, code := cli("1234", "sync", "--bal", titulaire, "--once")
	if code != 0 || !strings.Contains(out, "Synchronisation terminée") || !strings.Contains(out, "Connecté : "+titulaire) {
		t.Fatalf("sync: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	if strings.Contains(out+errs, "1234") {
		t.Error("the PIN was echoed")
	}
	out, errs, code = cli("1234", "send", "--bal", titulaire, "--to", doctor, "--subject", "Ordonnance de M. Perrin",
		"--text", "Bonjour, voici l'ordonnance.", "--attach", os.Getenv("CLI_CHILD_ATTACH"), "--dsn")
	if code != 0 || !strings.Contains(out, "envoyé et classé") {
		t.Fatalf("send: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	_, errs, code = cli("0000", "sync", "--bal", titulaire, "--once")
	if code != 1 || !strings.Contains(errs, "code PIN incorrect") {
		t.Errorf("wrong PIN: exit %d, stderr %q", code, errs)
	}
}
