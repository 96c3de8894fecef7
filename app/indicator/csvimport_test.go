package indicator

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

func mustImport(t *testing.T, data []byte) *Import {
	t.Helper()
	imp, err := ImportDispensings(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("ImportDispensings: %v", err)
	}
	return imp
}

func problemLines(imp *Import) []int {
	var lines []int
	for _, p := range imp.Problems {
		lines = append(lines, p.Line)
	}
	return lines
}

func TestImportMonthly(t *testing.T) {
	csv := "mois;delivrances\r\n2025-01;4 120\r\n02/2025;3980\r\nmars 2025;\"4 310,00\"\r\n\r\nTotal;12410\r\n"
	imp := mustImport(t, []byte(csv))
	want := Dispensings{{2025, 1}: 4120, {2025, 2}: 3980, {2025, 3}: 4310}
	if !reflect.DeepEqual(imp.Dispensings, want) {
		t.Errorf("Dispensings = %v; want %v", imp.Dispensings, want)
	}
	if imp.Rows != 3 || imp.Separator != ';' || imp.Encoding != "UTF-8" {
		t.Errorf("Rows %d, Separator %q, Encoding %s", imp.Rows, imp.Separator, imp.Encoding)
	}
	if got := problemLines(imp); !reflect.DeepEqual(got, []int{6}) {
		t.Errorf("problem lines = %v; want [6] (the total)", got)
	}
}

func TestImportDailyCommaSummed(t *testing.T) {
	csv := "date,nombre\n14/03/2025,120\n15/03/2025 00:00:00,130\n2025-04-01,7\n"
	imp := mustImport(t, []byte(csv))
	want := Dispensings{{2025, 3}: 250, {2025, 4}: 7}
	if !reflect.DeepEqual(imp.Dispensings, want) || imp.Separator != ',' {
		t.Errorf("Dispensings = %v sep %q; want %v ','", imp.Dispensings, imp.Separator, want)
	}
}

func TestImportBadLinesReportedNotFatal(t *testing.T) {
	csv := strings.Join([]string{
		"2025-01;100",  // 1 ok
		"2025-13;100",  // 2 bad month
		"31/02/2025;5", // 3 no such day
		"2025-02;-4",   // 4 negative
		"2025-02;abc",  // 5 not a number
		"2025-02",      // 6 missing column
		"hier;3",       // 7 not a period
		"2025-02;12,5", // 8 not whole
		"2025-02;200",  // 9 ok
		"2025-03;",     // 10 empty count
	}, "\n")
	imp := mustImport(t, []byte(csv))
	if got, want := problemLines(imp), []int{2, 3, 4, 5, 6, 7, 8, 10}; !reflect.DeepEqual(got, want) {
		t.Errorf("problem lines = %v; want %v", got, want)
	}
	if want := (Dispensings{{2025, 1}: 100, {2025, 2}: 200}); !reflect.DeepEqual(imp.Dispensings, want) {
		t.Errorf("Dispensings = %v; want %v", imp.Dispensings, want)
	}
	for _, p := range imp.Problems {
		if s := p.String(); !strings.HasPrefix(s, "ligne ") {
			t.Errorf("problem text %q", s)
		}
	}
	if s := imp.Problems[5].String(); s != "ligne 7 : « hier » n'est ni un mois ni une date (« hier;3 »)" {
		t.Errorf("problem text = %q", s)
	}
}

func TestImportEncodings(t *testing.T) {
	text := "Période;Délivrances\r\nfévrier 2025;3980\r\naoût 2025;4100\r\ndéc.-25;4200\r\n"
	want := Dispensings{{2025, 2}: 3980, {2025, 8}: 4100, {2025, 12}: 4200}
	cp1252, err := charmap.Windows1252.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"UTF-8":        []byte(text),
		"UTF-8 BOM":    append([]byte("\uFEFF"), text...),
		"Windows-1252": []byte(cp1252),
		"UTF-16":       []byte(utf16),
	}
	for name, data := range cases {
		imp := mustImport(t, data)
		if !reflect.DeepEqual(imp.Dispensings, want) || len(imp.Problems) != 0 {
			t.Errorf("%s: Dispensings = %v, problems %v (encoding %s)", name, imp.Dispensings, imp.Problems, imp.Encoding)
		}
		if wantEnc := strings.TrimSuffix(name, " BOM"); imp.Encoding != wantEnc {
			t.Errorf("%s: Encoding = %s", name, imp.Encoding)
		}
	}
}

func TestImportHeaderColumnsByName(t *testing.T) {
	csv := "Officine;Nb délivrances;Mois\nCentrale;4120;01/2025\n"
	imp := mustImport(t, []byte(csv))
	if want := (Dispensings{{2025, 1}: 4120}); !reflect.DeepEqual(imp.Dispensings, want) {
		t.Errorf("Dispensings = %v; want %v", imp.Dispensings, want)
	}
}

func TestImportNeverPanics(t *testing.T) {
	for _, s := range []string{"", "\n\n", ";", "\"", "\xff\xfe", "\xef\xbb\xbf", "a;b;c\n;;;\n\"x;\"y\n"} {
		if _, err := ImportDispensings(strings.NewReader(s)); err != nil {
			t.Errorf("ImportDispensings(%q) = %v", s, err)
		}
	}
}

func FuzzImportDispensings(f *testing.F) {
	f.Add([]byte("mois;delivrances\n2025-01;4 120\n"))
	f.Add([]byte("date,nombre\n14/03/2025,120\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		imp, err := ImportDispensings(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		for m, n := range imp.Dispensings {
			if n < 0 || m.Month < 1 || m.Month > 12 {
				t.Fatalf("bad entry %v=%d", m, n)
			}
		}
	})
}

func TestParseMonthAndCount(t *testing.T) {
	for s, want := range map[string]Month{"2025-03": {2025, 3}, "3/2025": {2025, 3}, "Mars 2025": {2025, 3}, "sept. 2024": {2024, 9}, "juil-24": {2024, 7}} {
		if got, err := ParseMonth(s); err != nil || got != want {
			t.Errorf("ParseMonth(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := ParseMonth("14/03/2025"); !errors.Is(err, ErrPeriod) {
		t.Errorf("ParseMonth(date) = %v; want ErrPeriod", err)
	}
	if n, err := ParseCount("4\u202f120"); err != nil || n != 4120 {
		t.Errorf("ParseCount = %d, %v", n, err)
	}
	if got := (Month{2025, time.August}).Label(); got != "août 2025" {
		t.Errorf("Label = %q", got)
	}
}
