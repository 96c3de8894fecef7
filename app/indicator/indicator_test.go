package indicator

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// knownSet: March 2025 has 4 patient + 3 professional exchanges (one MDN not counted)
// for 100 dispensings (7 %: reached); April has 2 exchanges for 80 (2,5 %: 2 missing);
// May has messages but no dispensings entered; June none at all (a gap); July only
// dispensings.
func knownSet(t *testing.T) ([]Summary, Dispensings, *time.Location) {
	t.Helper()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatalf("time zone data: %v (install tzdata)", err)
	}
	pat := "255081416802538@patient.mssante.fr"
	pro := "jean.martin@sandbox.mssante.test"
	d := func(mo time.Month, day, h int) time.Time { return time.Date(2025, mo, day, h, 0, 0, 0, paris) }
	msgs := []Summary{
		SummaryOf(d(3, 1, 9), false, pat, false),
		SummaryOf(d(3, 1, 10), true, pat, false),
		SummaryOf(d(3, 2, 10), true, pat, false),
		SummaryOf(d(3, 3, 10), false, pat, false),
		SummaryOf(d(3, 4, 10), true, pro, false),
		SummaryOf(d(3, 5, 10), false, pro, false),
		SummaryOf(d(3, 6, 10), false, pro, false),
		SummaryOf(d(3, 6, 11), false, pro, true), // an MDN
		// 1 April 00:30 in Paris is 31 March 22:30 UTC: it belongs to April.
		SummaryOf(d(4, 1, 0).Add(30*time.Minute).UTC(), false, pat, false),
		SummaryOf(d(4, 20, 12), true, pro, false),
		SummaryOf(d(5, 2, 12), true, pro, false),
	}
	disp := Dispensings{{2025, 3}: 100, {2025, 4}: 80, {2025, 7}: 90}
	return msgs, disp, paris
}

func TestIndicatorKnownSet(t *testing.T) {
	msgs, disp, paris := knownSet(t)
	tab := Compute(msgs, disp, paris)
	var months []string
	for _, r := range tab.Rows {
		months = append(months, r.Month.String())
	}
	if want := []string{"2025-03", "2025-04", "2025-05", "2025-06", "2025-07"}; !reflect.DeepEqual(months, want) {
		t.Fatalf("months = %v; want %v", months, want)
	}
	mar, apr, may := tab.Rows[0], tab.Rows[1], tab.Rows[2]
	if mar.SentPatients != 2 || mar.ReceivedPatients != 2 || mar.SentProfessionals != 1 || mar.ReceivedProfessionals != 2 {
		t.Errorf("March = %+v", mar)
	}
	if r, ok := mar.Ratio(); !ok || FormatPercent(r) != "7,00" || !mar.Reached() || mar.Missing() != 0 {
		t.Errorf("March ratio %v %v reached %v missing %d", r, ok, mar.Reached(), mar.Missing())
	}
	if r, _ := apr.Ratio(); apr.Exchanges() != 2 || FormatPercent(r) != "2,50" || apr.Reached() || apr.Missing() != 2 {
		t.Errorf("April = %+v ratio %v missing %d", apr, r, apr.Missing())
	}
	if _, ok := may.Ratio(); ok || may.Exchanges() != 1 {
		t.Errorf("May = %+v: no ratio without dispensings", may)
	}
	// Period: 10 exchanges in all; 9 in the rated months (March, April, July) for 270 dispensings.
	if tab.Total.Exchanges() != 10 || tab.Rated.Exchanges() != 9 || tab.Rated.Dispensings != 270 || tab.RatedMonths != 3 {
		t.Errorf("Total %+v Rated %+v (%d months)", tab.Total, tab.Rated, tab.RatedMonths)
	}
	if r, _ := tab.Rated.Ratio(); FormatPercent(r) != "3,33" || tab.Rated.Reached() || tab.Rated.Missing() != 5 {
		t.Errorf("period ratio %s missing %d", FormatPercent(r), tab.Rated.Missing())
	}
	if y := tab.Year(2024); len(y.Rows) != 0 || y.Total.Exchanges() != 0 {
		t.Errorf("Year(2024) = %+v", y)
	}
}

func TestIndicatorCSVExport(t *testing.T) {
	msgs, disp, paris := knownSet(t)
	var buf bytes.Buffer
	if err := WriteCSV(&buf, Compute(msgs, disp, paris)); err != nil {
		t.Fatal(err)
	}
	want := "\uFEFFMois;Envoyés aux patients;Reçus de patients;Envoyés aux professionnels;Reçus de professionnels;Échanges MSSanté;Délivrances;Taux (%);Objectif 5 % atteint\r\n" +
		"2025-03;2;2;1;2;7;100;7,00;oui\r\n" +
		"2025-04;0;1;1;0;2;80;2,50;non\r\n" +
		"2025-05;0;0;1;0;1;;;\r\n" +
		"2025-06;0;0;0;0;0;;;\r\n" +
		"2025-07;0;0;0;0;0;90;0,00;non\r\n" +
		"Total;2;3;3;2;10;270;3,33;non\r\n"
	if got := buf.String(); got != want {
		t.Errorf("CSV =\n%s\nwant\n%s", got, want)
	}
	// The export reads back as dispensings (the column is found by its header); the
	// months without dispensings and the total are reported, not fatal.
	imp, err := ImportDispensings(strings.NewReader(buf.String()))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(imp.Dispensings, disp) || !reflect.DeepEqual(problemLines(imp), []int{4, 5, 7}) {
		t.Errorf("re-import = %v, problems %v", imp.Dispensings, imp.Problems)
	}
}

func TestDispensingsJSON(t *testing.T) {
	d := Dispensings{{2025, 3}: 100, {2024, 12}: 4120}
	b, err := json.Marshal(d)
	if err != nil || string(b) != `{"2024-12":4120,"2025-03":100}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	var back Dispensings
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, d) {
		t.Fatalf("Unmarshal = %v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"2025-3":1}`), &back); err == nil {
		t.Error("accepted a malformed month")
	}
	if err := json.Unmarshal([]byte(`{"2025-03":-1}`), &back); err == nil {
		t.Error("accepted a negative count")
	}
	back.Merge(Dispensings{{2025, 3}: 7})
	if back[Month{2025, 3}] != 7 {
		t.Errorf("Merge = %v", back)
	}
}

func TestComputeEmpty(t *testing.T) {
	if tab := Compute(nil, nil, nil); len(tab.Rows) != 0 {
		t.Errorf("empty = %+v", tab)
	}
}
