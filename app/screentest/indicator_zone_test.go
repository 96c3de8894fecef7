package screentest

import (
	"slices"
	"testing"
	"time"

	"comptoir/app"
	"comptoir/app/apptest/memsession"
	"comptoir/app/indicator"
)

// TestIndicatorMonthsInTheWorkstationTime: a pharmacy in La Réunion counts its months in its
// own time. A patient's message received there at 00:30 on 1 December (21:30 on 30 November
// in Paris) is one of December's exchanges in the table.
func TestIndicatorMonthsInTheWorkstationTime(t *testing.T) {
	reunion, err := time.LoadLocation("Indian/Reunion")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, reunion)
	var sess *memsession.Session
	w := start(t, options{
		open: func(time.Time) *memsession.Session {
			sess = memsession.Pharmacy(now)
			sess.Add(memsession.ORG, "INBOX", app.Message{Envelope: app.Envelope{MessageID: "minuit@patient",
				Date: time.Date(2026, 12, 1, 0, 30, 0, 0, reunion), Kind: "patient", Subject: "Renouvellement",
				From: app.Address{Name: "Lucie MARCHAND", Email: "293072A00402139@patient.mssante.fr"},
				To:   []app.Address{{Email: memsession.ORG}}}})
			return sess
		},
		deps: func(d *app.Deps) { d.Now = func() time.Time { return now } },
	})
	w.mailbox()
	sums, err := sess.Summaries()
	if err != nil {
		t.Fatal(err)
	}
	december := indicator.Month{Year: 2026, Month: time.December}
	want := rowOf(indicator.Compute(sums, nil, reunion), december)
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	if rowOf(indicator.Compute(sums, nil, paris), december).ReceivedPatients == want.ReceivedPatients {
		t.Fatal("the test message counts in December in Paris too: it proves nothing")
	}
	s := w.h.UI.ShowIndicator()
	var shown []string
	w.h.WaitFor("December's row", func() bool {
		r := rowOf(s.Computed(), december)
		shown = s.RowCells(r)
		return r.Month == december
	})
	if wantCells := s.RowCells(want); !slices.Equal(shown, wantCells) {
		t.Fatalf("December shows %q, want %q (counted in La Réunion's time)", shown, wantCells)
	}
}

// rowOf is the table's row for m (zero if none).
func rowOf(tb indicator.Table, m indicator.Month) indicator.Row {
	for _, r := range tb.Rows {
		if r.Month == m {
			return r
		}
	}
	return indicator.Row{}
}
