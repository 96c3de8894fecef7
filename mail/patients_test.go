package mail

import "testing"

func TestSplitPatientName(t *testing.T) {
	for _, c := range []struct{ name, ins, birth, first string }{
		{"Camille ROUSSEL", "285046912304575", "ROUSSEL", "Camille"},
		{"Jean-Marc DELAUNAY", "", "DELAUNAY", "Jean-Marc"},
		{"Marie-Claire LE GOFF", "", "LE GOFF", "Marie-Claire"},
		{"ÉLODIE", "", "ÉLODIE", ""},
		{"camille roussel", "", "camille roussel", ""},
		{"Patient 285046912304575", "285046912304575", "Patient", ""},
		{"", "", "", ""},
	} {
		b, f := splitPatientName(c.name, c.ins)
		if b != c.birth || f != c.first {
			t.Errorf("%q: birth %q first %q, want %q %q", c.name, b, f, c.birth, c.first)
		}
	}
}
