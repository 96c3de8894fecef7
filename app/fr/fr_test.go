package fr

import (
	"testing"
	"time"
)

func TestDates(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, paris)
	for _, c := range []struct{ got, want string }{
		{Date(time.Date(2026, 12, 1, 9, 0, 0, 0, paris)), "1er décembre 2026"},
		{Date(time.Date(2026, 2, 2, 9, 0, 0, 0, paris)), "2 février 2026"},
		{LongDate(now), "jeudi 3 décembre 2026"},
		{DateTime(time.Date(2026, 12, 1, 8, 5, 0, 0, paris)), "mardi 1er décembre 2026 à 08:05"},
		{ListDate(time.Date(2026, 12, 3, 8, 40, 0, 0, paris), now), "08:40"},
		{ListDate(time.Date(2026, 12, 1, 23, 59, 0, 0, paris), now), "1er déc."},
		{ListDate(time.Date(2026, 6, 14, 8, 0, 0, 0, paris), now), "14 juin"},
		{ListDate(time.Date(2025, 11, 12, 8, 0, 0, 0, paris), now), "12/11/2025"},
		{ListDate(time.Time{}, now), ""},
		// 23:30 UTC on 2 December is 00:30 on the 3rd in Paris: today.
		{ListDate(time.Date(2026, 12, 2, 23, 30, 0, 0, time.UTC), now), "00:30"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestCounts(t *testing.T) {
	for _, c := range []struct {
		n    int64
		want string
	}{{0, "0 résultat"}, {1, "1 résultat"}, {2, "2 résultats"}, {1200, "1\u202f200 résultats"}, {1234567, "1\u202f234\u202f567 résultats"}} {
		if got := Count(c.n, "résultat", "résultats"); got != c.want {
			t.Errorf("Count(%d) = %q, want %q", c.n, got, c.want)
		}
	}
	if got := Number(-12345); got != "-12\u202f345" {
		t.Errorf("Number(-12345) = %q", got)
	}
}

func TestPatientName(t *testing.T) {
	for in, want := range map[string]string{
		"Camille ROUSSEL":                           "ROUSSEL Camille",
		"ROUSSEL Camille":                           "ROUSSEL Camille",
		"Jean-Marc DELAUNAY":                        "DELAUNAY Jean-Marc",
		"Nadia BENALI-FONTAINE DE LA ROCHEFOUCAULD": "BENALI-FONTAINE DE LA ROCHEFOUCAULD Nadia",
		"camille roussel":                           "camille roussel",
		"CAMILLE ROUSSEL":                           "CAMILLE ROUSSEL",
		"  Lucie   MARCHAND ":                       "MARCHAND Lucie",
		"":                                          "",
		"Élise BONNEFOY":                            "BONNEFOY Élise",
	} {
		if got := PatientName(in); got != want {
			t.Errorf("PatientName(%q) = %q, want %q", in, got, want)
		}
	}
}
