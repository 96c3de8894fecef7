package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// The intermediate server's URL (operator.psc) and the remembered RPPS are saved in
// config.json; the operator keys mail.OperatorConfig reads and this Config does not know
// (implicit TLS, server name) survive a save from the settings screen, as do other keys.
func TestPSCSettingsKeepTheOperatorKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	orig := `{"operator": {"domain": "op.mssante.fr", "imap_implicit_tls": true, "server_name": "imap.op.fr", "api": "https://api.op.fr"},
		"annuaire": {"x": 1}}`
	if err := os.WriteFile(path, []byte(orig), 0o600); err != nil {
		t.Fatal(err)
	}
	fs := FileSettings{Path: path}
	c, err := fs.Load()
	if err != nil {
		t.Fatal(err)
	}
	c.Operator.PSC = "https://psc.op.fr"
	c.Operator.API = "" // removed in the form
	c.PSCNationalID = "899700412358"
	if err := fs.Save(c); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var all struct {
		Operator map[string]any `json:"operator"`
		Annuaire map[string]any `json:"annuaire"`
		NID      string         `json:"psc_national_id"`
	}
	if err := json.Unmarshal(raw, &all); err != nil {
		t.Fatal(err)
	}
	op := all.Operator
	if op["psc"] != "https://psc.op.fr" || op["imap_implicit_tls"] != true || op["server_name"] != "imap.op.fr" ||
		op["domain"] != "op.mssante.fr" || all.Annuaire == nil || all.NID != "899700412358" {
		t.Fatalf("saved:\n%s", raw)
	}
	if _, ok := op["api"]; ok {
		t.Fatalf("the API removed in the form is still saved:\n%s", raw)
	}
	back, err := fs.Load()
	if err != nil || back.Operator.PSC != "https://psc.op.fr" || back.PSCNationalID != "899700412358" {
		t.Fatalf("loaded %+v (%v)", back, err)
	}
}

// What the user types as their RPPS or ADELI number, and what is remembered.
func TestPSCNationalIDInput(t *testing.T) {
	for in, want := range map[string]string{
		"99700412358": "899700412358", "997 004 123 58": "899700412358", "899700412358": "899700412358",
		"699901237": "0699901237", "0699901237": "0699901237",
		"": "", "1234": "", "9970041235x": "", "999700412358": "",
	} {
		got, ok := parseNationalID(in)
		if got != want || ok != (want != "") {
			t.Errorf("parseNationalID(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if got := displayNationalID("899700412358"); got != "99700412358" {
		t.Errorf("displayNationalID = %q", got)
	}
}
