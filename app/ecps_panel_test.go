package app

import "testing"

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
