package balrules

import (
	"errors"
	"strings"
	"testing"
)

func TestSlugFrenchNames(t *testing.T) {
	for in, want := range map[string]string{
		"Église":                 "eglise",
		"Saint-Étienne":          "saint-etienne",
		"L'Haÿ-les-Roses":        "l-hay-les-roses",
		"L’Haÿ-les-Roses":        "l-hay-les-roses", // typographic apostrophe
		"Œuvre":                  "oeuvre",
		"ŒUVRE DE L'ÂME":         "oeuvre-de-l-ame",
		"Cæcilia":                "caecilia",
		"Müller-Lüdenscheidt":    "muller-ludenscheidt",
		"  Le  Breton  ":         "le-breton",
		"Jean--Pierre":           "jean-pierre",
		"Dupont -- Moretti -":    "dupont-moretti",
		"-Noël-":                 "noel",
		"D'Ornano":               "d-ornano",
		"Françoise":              "francoise",
		"ÇA":                     "ca",
		"Ñoño":                   "nono",
		"Łódź":                   "lodz",
		"Straße":                 "strasse",
		"'":                      "",
		"":                       "",
		"日本":                     "",
		"Pharmacie n°3 (centre)": "pharmacie-n-3-centre",
	} {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLocalPER(t *testing.T) {
	for _, c := range []struct{ given, surname, want string }{
		{"Élise", "BONNEFOY", "elise.bonnefoy"},
		{"Jean-Pierre", "Dupont-Moretti", "jean-pierre.dupont-moretti"},
		{"Marie Ève", "de La Tour d'Auvergne", "marie-eve.de-la-tour-d-auvergne"},
		{"Maxime", "LEBRETON", "maxime.lebreton"},
		{"Œdipe", "L'Haÿ", "oedipe.l-hay"},
	} {
		got, err := LocalPER(c.given, c.surname)
		if err != nil || got != c.want {
			t.Errorf("LocalPER(%q, %q) = %q, %v; want %q", c.given, c.surname, got, err, c.want)
		}
	}
	if _, err := LocalPER("'", "Dupont"); !errors.Is(err, ErrEmptyName) {
		t.Errorf("empty given name: %v", err)
	}
}

func TestLocalORG(t *testing.T) {
	for _, c := range []struct{ name, cp, town, want string }{
		{"PHARMACIE DES TILLEULS", "69003", "LYON", "pharmacie-des-tilleuls-69003-lyon"},
		{"Pharmacie de l'Église", "42000", "Saint-Étienne", "pharmacie-de-l-eglise-42000-saint-etienne"},
		{"Pharmacie de l'Œuvre", "94240", "L'Haÿ-les-Roses", "pharmacie-de-l-oeuvre-94240-l-hay-les-roses"},
		{"Grande Pharmacie", "75001", "Paris", "grande-pharmacie-75001-paris"},
		{"Pharmacien Martin", "75001", "Paris", "pharmacien-martin-75001-paris"}, // not the word "Pharmacie"
		{"CENTRE HOSPITALIER DES CEDRES", "69004", "LYON", "centre-hospitalier-des-cedres-69004-lyon"},
	} {
		got, err := LocalORG(c.name, c.cp, c.town)
		if err != nil || got != c.want {
			t.Errorf("LocalORG(%q) = %q, %v; want %q", c.name, got, err, c.want)
		}
	}
	for _, cp := range []string{"6900", "690033", "6900A", ""} {
		if _, err := LocalORG("Pharmacie X", cp, "Lyon"); !errors.Is(err, ErrPostalCode) {
			t.Errorf("postal code %q: %v", cp, err)
		}
	}
	if _, err := LocalORG("Pharmacie", "69003", "Lyon"); !errors.Is(err, ErrEmptyName) {
		t.Errorf("a pharmacy named only « Pharmacie »: %v", err)
	}
}

func TestLocalAPP(t *testing.T) {
	got, err := LocalAPP("Pharmacie des Tilleuls", "690999123")
	if err != nil || got != "app-pharmacie-des-tilleuls-690999123" {
		t.Fatalf("LocalAPP = %q, %v", got, err)
	}
	if _, err := LocalAPP("X", "69099912"); !errors.Is(err, ErrFINESS) {
		t.Errorf("short FINESS: %v", err)
	}
	long, _ := LocalAPP(strings.Repeat("Officine du Grand Marché ", 5), "2A0000011")
	if len(long) > MaxLocalPart || !strings.HasSuffix(long, "-2a0000011") || !ValidLocalPart(long) {
		t.Errorf("long APP local part %q (%d)", long, len(long))
	}
}

// Local parts stay within RFC 5321's 64 octets, are cut at word boundaries, and keep
// the postal code and the town of an ORG BAL.
func TestLocalPartLimit64(t *testing.T) {
	// Exactly 64 octets: kept whole.
	given := strings.Repeat("a", 31)
	surname := strings.Repeat("b", 32)
	got, err := LocalPER(given, surname)
	if err != nil || len(got) != 64 || got != given+"."+surname {
		t.Fatalf("64-octet PER: %q (%d) %v", got, len(got), err)
	}
	// 65 octets: the given name gives way first, at a word boundary.
	got, _ = LocalPER("Marie-Christine-Bernadette-Joséphine", "de Saint-Exupéry-Montmorency-Laval")
	if len(got) > 64 || !ValidLocalPart(got) || !strings.HasSuffix(got, ".de-saint-exupery-montmorency-laval") {
		t.Errorf("long PER: %q (%d)", got, len(got))
	}
	if !strings.HasPrefix(got, "marie-christine") {
		t.Errorf("the given name should be cut at a word boundary: %q", got)
	}
	// A surname alone longer than 64.
	got, _ = LocalPER("Anne", strings.Repeat("Montmorency-", 8))
	if len(got) > 64 || !ValidLocalPart(got) || !strings.HasPrefix(got, "a") {
		t.Errorf("very long surname: %q (%d)", got, len(got))
	}
	// ORG: the name is shortened, the postal code and town stay.
	got, err = LocalORG("Pharmacie de la Grande Place du Marché aux Herbes et des Remparts", "42000", "Saint-Étienne")
	if err != nil || len(got) > 64 || !ValidLocalPart(got) ||
		!strings.HasPrefix(got, "pharmacie-de-la-grande") || !strings.HasSuffix(got, "-42000-saint-etienne") {
		t.Errorf("long ORG: %q (%d) %v", got, len(got), err)
	}
	// Town too long as well.
	got, _ = LocalORG("Pharmacie Centrale", "76000", strings.Repeat("Saint-Pierre-lès-", 6)+"Elbeuf")
	if len(got) > 64 || !ValidLocalPart(got) || !strings.HasPrefix(got, "pharmacie-centrale-76000-saint-pierre") {
		t.Errorf("long town: %q (%d)", got, len(got))
	}
	// Homonyms of a 64-octet base stay within 64.
	for _, kind := range []string{KindPER, KindORG} {
		base := strings.Repeat("x", 30) + "." + strings.Repeat("y", 33)
		if kind == KindORG {
			base = strings.ReplaceAll(base, ".", "-")
		}
		for _, n := range []int{2, 9, 10, 123} {
			h := Numbered(base, kind, n)
			if len(h) > 64 || !ValidLocalPart(h) || !Matches(h, base, kind) {
				t.Errorf("%s homonym %d of a 64-octet base: %q (%d)", kind, n, h, len(h))
			}
		}
	}
}

func TestNumberedAndMatches(t *testing.T) {
	if got := Numbered("maxime.lebreton", KindPER, 2); got != "maxime.lebreton2" {
		t.Errorf("PER homonym %q", got)
	}
	if got := Numbered("pharmacie-des-tilleuls-69003-lyon", KindORG, 2); got != "pharmacie-des-tilleuls-69003-lyon-2" {
		t.Errorf("ORG homonym %q", got)
	}
	for _, c := range []struct {
		local, base, kind string
		ok                bool
	}{
		{"maxime.lebreton", "maxime.lebreton", KindPER, true},
		{"maxime.lebreton2", "maxime.lebreton", KindPER, true},
		{"maxime.lebreton-2", "maxime.lebreton", KindPER, false},
		{"maxime.lebreton1", "maxime.lebreton", KindPER, false},
		{"maxime.lebreton02", "maxime.lebreton", KindPER, false},
		{"maxime.lebretonx", "maxime.lebreton", KindPER, false},
		{"app-x-690999123-3", "app-x-690999123", KindAPP, true},
		{"app-x-6909991234", "app-x-690999123", KindAPP, false},
		{"pharmacie-a-69003-lyon-12", "pharmacie-a-69003-lyon", KindORG, true},
		{"autre", "pharmacie-a-69003-lyon", KindORG, false},
	} {
		if got := Matches(c.local, c.base, c.kind); got != c.ok {
			t.Errorf("Matches(%q, %q, %s) = %v", c.local, c.base, c.kind, got)
		}
	}
}

func TestAddressLimits(t *testing.T) {
	if a, err := Address("elise.bonnefoy", "Sandbox.MSSante.test"); err != nil || a != "elise.bonnefoy@sandbox.mssante.test" {
		t.Errorf("Address = %q, %v", a, err)
	}
	label := strings.Repeat("d", 63)
	long := strings.Join([]string{label, label, label, strings.Repeat("e", 61)}, ".") // 253 octets
	if !ValidDomain(long) {
		t.Fatalf("a 253-octet domain is valid")
	}
	if ValidDomain(long + "ee.f") {
		t.Errorf("a domain over 255 octets is invalid")
	}
	if ValidDomain(strings.Repeat("d", 64) + ".fr") {
		t.Errorf("a 64-octet label is invalid")
	}
	if _, err := Address("a.b", long); !errors.Is(err, ErrAddressLength) {
		t.Errorf("address over 254 octets: %v", err)
	}
	for _, bad := range []string{"", ".a", "a.", "a..b", "a-", "-a", "a-.b", "A.b", "é.b", strings.Repeat("a", 65)} {
		if _, err := Address(bad, "x.fr"); !errors.Is(err, ErrBadLocalPart) {
			t.Errorf("local part %q accepted: %v", bad, err)
		}
	}
	for _, bad := range []string{"", "x..fr", "-x.fr", "x_y.fr"} {
		if _, err := Address("a", bad); !errors.Is(err, ErrBadDomain) {
			t.Errorf("domain %q accepted: %v", bad, err)
		}
	}
}

func TestLocalDispatchesOnKind(t *testing.T) {
	p := Parts{GivenName: "Élise", Surname: "Bonnefoy", StructureName: "Pharmacie des Tilleuls",
		PostalCode: "69003", Town: "Lyon", FINESS: "690999123"}
	for kind, want := range map[string]string{
		KindPER: "elise.bonnefoy", KindORG: "pharmacie-des-tilleuls-69003-lyon", KindAPP: "app-pharmacie-des-tilleuls-690999123",
	} {
		if got, err := Local(kind, p); err != nil || got != want {
			t.Errorf("Local(%s) = %q, %v", kind, got, err)
		}
	}
	if _, err := Local("CAB", p); !errors.Is(err, ErrUnknownKind) {
		t.Errorf("unknown kind: %v", err)
	}
}

func FuzzSlugAndRules(f *testing.F) {
	for _, s := range []string{"L'Haÿ-les-Roses", "Œuvre", "", "--", "\xff\xfe", strings.Repeat("é", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sl := Slug(s)
		if sl != "" && !ValidLocalPart(strings.ReplaceAll(sl, ".", "-")) && len(sl) <= 64 {
			t.Fatalf("Slug(%q) = %q is not a valid local part", s, sl)
		}
		if l, err := LocalPER(s, s); err == nil && (len(l) > 64 || !ValidLocalPart(l)) {
			t.Fatalf("LocalPER(%q) = %q", s, l)
		}
		if l, err := LocalORG(s, "69003", s); err == nil && (len(l) > 64 || !ValidLocalPart(l)) {
			t.Fatalf("LocalORG(%q) = %q", s, l)
		}
	})
}
