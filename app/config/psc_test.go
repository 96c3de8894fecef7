package config

import "testing"

// The e-CPS login's keys: the intermediate server (operator.psc, which the workstation's file
// may deploy) and the RPPS remembered in the user's file; both read back, the user's other
// keys kept.
func TestPSCKeys(t *testing.T) {
	f := files(t, `{"operator": {"domain": "op.mssante.fr", "psc": "https://psc.op.fr"}}`,
		`{"operator": {"imap": "imap.op.fr:143"}, "annuaire": {"x": 1}}`)
	c, err := f.Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.Operator.PSC != "https://psc.op.fr" || c.PSCNationalID != "" {
		t.Fatalf("loaded %+v", c)
	}
	c.PSCNationalID = "899700412358"
	if err := f.Save(c); err != nil {
		t.Fatal(err)
	}
	user := readJSON(t, f.User)
	op, _ := user["operator"].(map[string]any)
	if user["psc_national_id"] != "899700412358" || user["annuaire"] == nil || op["imap"] != "imap.op.fr:143" {
		t.Fatalf("user file: %v", user)
	}
	if _, ok := op["psc"]; ok {
		t.Fatalf("the machine's operator.psc was copied into the user's file: %v", user)
	}
	back, err := f.Load()
	if err != nil || back.PSCNationalID != "899700412358" || back.Operator.PSC != "https://psc.op.fr" {
		t.Fatalf("read back %+v (%v)", back, err)
	}
}
