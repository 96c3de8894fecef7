package main

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cps/cpstest"
)

// TestAPPBALWithSandboxIssuedCertificate is the demo's path to an APP BAL without writing a
// key by hand: `mss-sandbox issue-app-cert` gives the pharmacy's organisation certificate
// from the sandbox's persisted PKI, the titulaire creates the APP BAL with it, and a
// certificate reissued for the APP BAL sends with `comptoir send --app-cert`.
func TestAPPBALWithSandboxIssuedCertificate(t *testing.T) {
	shared, cards := testCards(t)
	// The sandbox's data directory holds its PKI (DATA/pki), as `mss-sandbox serve` lays it
	// out: a copy of the PKI the SoftHSM cards were issued from.
	data := t.TempDir()
	copyTree(t, shared.Dir(), filepath.Join(data, "pki"))
	pki, err := cpstest.NewPKI(filepath.Join(data, "pki"))
	if err != nil {
		t.Fatal(err)
	}
	srv, cfg := startBALSandbox(t, data, pki)
	seed := sandbox.Seed(srv.Domain())
	appBAL := "app-pharmacie-des-tilleuls-690999123@" + srv.Domain()
	const password = "Mot de passe du logiciel"
	bin := buildSandboxCommand(t)
	dir := t.TempDir()
	issue := func(bal, out string) {
		t.Helper()
		cmd := exec.Command(bin, "issue-app-cert", "--data", data, "--bal", bal, "--out", out)
		cmd.Stdin = strings.NewReader(password + "\n") // not a terminal: one line of stdin
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("mss-sandbox issue-app-cert --bal %s: %v\n%s%s", bal, err, stdout.String(), stderr.String())
		}
		if !strings.Contains(stdout.String(), "written to "+out) || strings.Contains(stdout.String()+stderr.String(), password) {
			t.Fatalf("issue-app-cert output:\n%s%s", stdout.String(), stderr.String())
		}
	}

	// Before the APP BAL exists: the certificate of the ORG BAL's structure.
	orgP12 := filepath.Join(dir, "officine.p12")
	issue(seed.Pharmacy, orgP12)
	passFile := filepath.Join(dir, "officine.pass")
	if err := os.WriteFile(passFile, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCardCLI(t, "1234\n", "bal", "create", "--type", "APP", "--accepte-cgu", "--attendre",
		"--app-cert", orgP12, "--app-cert-pass-file", passFile,
		"--config", cfg, "--module", cards.ModulePath(), "--lecteur", cpstest.Titulaire.Label)
	if code != 0 || !strings.Contains(out, "La boîte aux lettres "+appBAL+" est active.") {
		t.Fatalf("bal create APP with the sandbox's certificate: exit %d\n%s\n%s", code, out, errOut)
	}

	// For the APP BAL itself, reissued (same structure key): the software sends with it.
	appP12 := filepath.Join(dir, "bal-applicative.p12")
	issue(appBAL, appP12)
	code, out, errOut = runCardCLI(t, password+"\n", "send", "--app-cert", appP12, "--bal", appBAL,
		"--to", seed.Titulaire, "--subject", "Commande prête", "--text", "Commande 4521 disponible au comptoir.",
		"--config", cfg)
	if code != 0 || !strings.Contains(out, "envoyé et classé") {
		t.Fatalf("send --app-cert: exit %d\n%s\n%s", code, out, errOut)
	}
	waitDelivered(t, srv, seed.Titulaire, appBAL, "Commande 4521 disponible au comptoir.")
}

// buildSandboxCommand builds cmd/mss-sandbox into a temporary directory.
func buildSandboxCommand(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go tool is needed to build mss-sandbox (put Go's bin directory in PATH): %v", err)
	}
	bin := filepath.Join(t.TempDir(), "mss-sandbox")
	cmd := exec.Command(goTool, "build", "-o", bin, "comptoir/cmd/mss-sandbox")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build mss-sandbox: %v\n%s", err, out)
	}
	return bin
}

// copyTree copies the regular files under src to dst, keeping their modes.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, info.Mode().Perm())
	})
	if err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
}
