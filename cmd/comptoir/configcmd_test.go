package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"comptoir/app/config"
	"comptoir/app/session"
)

func TestConfigMachine(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "Comptoir", "config.json")
	// Nothing given: no file.
	code, out, errOut := runCardCLI(t, "", "config", "machine", "--file", path)
	if code != 0 || !strings.Contains(out, "inchangé") {
		t.Fatalf("no values: %d %q %q", code, out, errOut)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("file created with no values: %v", err)
	}
	odd := `C:\Program Files\Coffre "IGC"\`
	code, out, errOut = runCardCLI(t, "", "config", "machine", "--file", path,
		"--domain", "op.mssante.fr", "--imap", "imap.op.fr:143", "--trust-store", odd+`; D:\autre`,
		"--pkcs11-module", `C:\Cryptolib\cps3_pkcs11_w64.dll`, "--hosts", "a.op.fr, b.op.fr", "--locked", "operator, pkcs11_module")
	if code != 0 || !strings.Contains(out, "Configuration du poste enregistrée dans "+path) {
		t.Fatalf("set: %d %q %q", code, out, errOut)
	}
	l, err := config.Files{Machine: path}.LoadLayers()
	if err != nil {
		t.Fatal(err)
	}
	m := l.Machine
	if m.Operator.Domain != "op.mssante.fr" || m.Operator.IMAP != "imap.op.fr:143" ||
		!slices.Equal(m.Operator.TrustStore, []string{odd, `D:\autre`}) || !slices.Equal(m.Operator.Hosts, []string{"a.op.fr", "b.op.fr"}) ||
		m.Module != `C:\Cryptolib\cps3_pkcs11_w64.dll` || !slices.Equal(l.Locked, []string{"operator", "pkcs11_module"}) {
		t.Fatalf("machine file: %+v locked %v", m, l.Locked)
	}
	// Hidden from the usage; a wrong sub-command is a usage error.
	if code, out, _ := runCardCLI(t, "", "help"); code != 0 || strings.Contains(out, "config") {
		t.Errorf("usage shows config: %q", out)
	}
	if code, _, _ := runCardCLI(t, "", "config", "user"); code != 2 {
		t.Errorf("config user: exit %d", code)
	}
}

func TestDoctorShowsOperator(t *testing.T) {
	dir := t.TempDir()
	files := config.Files{Machine: filepath.Join(dir, "machine.json"), User: filepath.Join(dir, "user.json")}
	// The diagnostic's first line; the other checks fail fast here (no module, no servers).
	doctor := func() (string, int) {
		layers, err := files.LoadLayers()
		r := session.Diagnose(t.Context(), session.DiagnoseInput{Settings: layers, SettingsErr: err,
			ModulePath: filepath.Join(dir, "absent.so")})
		r.Checks = r.Checks[:1]
		var out bytes.Buffer
		printReport(&out, r)
		return out.String(), r.Problems()
	}
	if out, n := doctor(); n != 0 || !strings.Contains(out, "Opérateur : aucun domaine configuré") {
		t.Errorf("nothing configured: %d %q", n, out)
	}
	if _, err := config.SetMachine(files.Machine, config.Config{Operator: config.Operator{Domain: "op.mssante.fr"}}, nil); err != nil {
		t.Fatal(err)
	}
	if out, n := doctor(); n != 0 || !strings.Contains(out, "[INFO]      Opérateur : op.mssante.fr (configuration du poste)") {
		t.Errorf("machine: %d %q", n, out)
	}
	if err := os.WriteFile(files.User, []byte(`{"operator": {"domain": "autre.fr"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, n := doctor(); n != 0 || !strings.Contains(out, "Opérateur : autre.fr (réglage de l'utilisateur)") {
		t.Errorf("user: %d %q", n, out)
	}
	if err := os.WriteFile(files.User, []byte(`{"operator": {"domain": "autre.fr"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, n := doctor(); n != 1 || !strings.Contains(out, "[PROBLÈME]  Opérateur : Le fichier de configuration") || !strings.Contains(out, "illisible") {
		t.Errorf("broken user file: %d %q", n, out)
	}
}
