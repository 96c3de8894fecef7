package msg

import "testing"

func TestReadableName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Dr_Antoine_FAUVEL_Cabinet du Dr Fauvel", "Dr Antoine FAUVEL — Cabinet du Dr Fauvel"},
		{"Élise_BONNEFOY_PHARMACIE DES TILLEULS", "Élise BONNEFOY — PHARMACIE DES TILLEULS"},
		{"Dr_Jean-Pierre_DE LA FONTAINE_Hôpital Nord", "Dr Jean-Pierre DE LA FONTAINE — Hôpital Nord"},
		{"Maxime_LEBRETON", "Maxime LEBRETON"},
		{"Dr_JEAN_DUPONT_Cabinet", "Dr JEAN DUPONT — Cabinet"},
		{"Dr_DUPONT_Cabinet", "Dr DUPONT — Cabinet"},
		{"Pharmacie des Tilleuls", "Pharmacie des Tilleuls"},
		{"Dr Antoine Fauvel", "Dr Antoine Fauvel"},
		{"jean_dupont", "jean dupont"},
		{"", ""},
		{"_", ""},
	} {
		if got := ReadableName(c.in); got != c.want {
			t.Errorf("ReadableName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	// What FromDisplayName writes reads back.
	if got := ReadableName(FromDisplayName("PER", "Pr", "Anne", "Martin", "CHU de Lyon")); got != "Pr Anne MARTIN — CHU de Lyon" {
		t.Errorf("round trip: %q", got)
	}
}
