package patient

import (
	"errors"
	"strings"
	"testing"
)

func TestParseINSValid(t *testing.T) {
	tests := []struct {
		in, want string
		sex      Sex
		year     int
		month    int
	}{
		{"185057800608491", "185057800608491", Male, 85, 5},
		{"2 55 08 14 168 025 38", "255081416802538", Female, 55, 8},
		{"1.85.05.78.006.084.91", "185057800608491", Male, 85, 5},
		{"180122A00512392", "180122A00512392", Male, 80, 12},  // Corse-du-Sud: 2A counts as 19
		{"180122b00512322", "180122B00512322", Male, 80, 12},  // Haute-Corse: 2B counts as 18
		{"269209935023419", "269209935023419", Female, 69, 0}, // pseudo-month 20: month unknown
	}
	for _, tt := range tests {
		got, err := ParseINS(tt.in)
		if err != nil {
			t.Errorf("ParseINS(%q): %v", tt.in, err)
			continue
		}
		if string(got) != tt.want || got.Sex() != tt.sex || got.BirthYear() != tt.year || got.BirthMonth() != tt.month {
			t.Errorf("ParseINS(%q) = %q sex %s year %d month %d; want %q %s %d %d",
				tt.in, got, got.Sex(), got.BirthYear(), got.BirthMonth(), tt.want, tt.sex, tt.year, tt.month)
		}
	}
}

func TestKeyCorsica(t *testing.T) {
	// 2A and 2B differ from the plain digits and from each other.
	if a, b := Key("180122A005123"), Key("180122B005123"); a != 92 || b != 22 {
		t.Errorf("Key 2A, 2B = %d, %d; want 92, 22", a, b)
	}
	if k := Key("1801219005123"); k != 92 {
		t.Errorf("Key with 19 = %d; want 92 (same as 2A)", k)
	}
	if k := Key("18012A0005123"); k != -1 {
		t.Errorf("Key with A outside the department = %d; want -1", k)
	}
}

func TestParseINSErrors(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"185057800608492", ErrKey},        // key off by one
		{"180122A00512322", ErrKey},        // 2B's key on a 2A number
		{"18505780060849", ErrLength},      // 14 characters
		{"1850578006084911", ErrLength},    // 16 characters
		{"", ErrLength},                    // empty
		{"1850578006O8491", ErrCharacters}, // letter O for zero
		{"185053A00608491", ErrCharacters}, // A in a non-Corsican department
		{"18505780060849é", ErrCharacters},
		{"385057800608491", ErrSex},
		{"185137800608491", ErrMonth},
	}
	for _, tt := range tests {
		_, err := ParseINS(tt.in)
		if !errors.Is(err, tt.want) {
			t.Errorf("ParseINS(%q) error = %v; want %v", tt.in, err, tt.want)
		}
	}
}

func TestUserMessagesDistinctAndFrench(t *testing.T) {
	errs := []error{ErrLength, ErrCharacters, ErrSex, ErrMonth, ErrKey, ErrSexUnknown, ErrNotQualified,
		ErrBirthDateMissing, ErrBirthDateMismatch, ErrSexMismatch, ErrNotPatientAddress, ErrTemplates}
	seen := map[string]bool{}
	for _, e := range errs {
		m := UserMessage(e)
		if m == "" || seen[m] {
			t.Errorf("UserMessage(%v) = %q: empty or repeated", e, m)
		}
		seen[m] = true
	}
	_, err := ParseINS("185057800608492")
	if got := UserMessage(err); !strings.Contains(got, "clé") {
		t.Errorf("UserMessage(wrong key) = %q; want it to name the key (clé)", got)
	}
}

func TestParseSex(t *testing.T) {
	for in, want := range map[string]Sex{"M": Male, "h": Male, "1": Male, "Féminin": Female, "F": Female, "2": Female} {
		if got, err := ParseSex(in); err != nil || got != want {
			t.Errorf("ParseSex(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseSex("X"); !errors.Is(err, ErrSexUnknown) {
		t.Errorf("ParseSex(X) = %v", err)
	}
}

func TestGrouped(t *testing.T) {
	if g := INS("185057800608491").Grouped(); g != "1 85 05 78 006 084 91" {
		t.Errorf("Grouped = %q", g)
	}
}

func FuzzParseINS(f *testing.F) {
	for _, s := range []string{"185057800608491", "180122A00512392", "2 55", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ins, err := ParseINS(s)
		if err == nil && Key(string(ins[:13])) != int((ins[13]-'0')*10+ins[14]-'0') {
			t.Errorf("accepted %q with a wrong key", s)
		}
	})
}
