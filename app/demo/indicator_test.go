package demo_test

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"comptoir/app/apptest"
	"comptoir/app/fr"
	"comptoir/app/indicator"
	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cps/cpstest"
	"comptoir/mail/msg"
)

// monthCount is what the operator holds for one month of the titulaire's BALs.
type monthCount struct{ sentPatients, recvPatients, sentPros, recvPros int }

func (c monthCount) exchanges() int { return c.sentPatients + c.recvPatients + c.sentPros + c.recvPros }

// operatorCounts counts, at the sandbox, the messages of the BALs the titulaire opens, by
// month in the workstation's time (the demo's clock is the system's): received and sent, in
// every folder but drafts (a message deleted to the trash was still an exchange), reports
// left out.
func operatorCounts(t *testing.T) map[indicator.Month]monthCount {
	t.Helper()
	seed := sandbox.Seed(sandbox.DefaultDomain)
	out := map[indicator.Month]monthCount{}
	seen := map[string]bool{}
	for _, bal := range []string{seed.Pharmacy, seed.Titulaire} {
		for _, folder := range []string{"INBOX", "Sent", "Trash"} {
			raws, err := env.Sandbox.FolderMessages(bal, folder)
			if err != nil {
				continue // a BAL that never sent has no Sent folder
			}
			for _, raw := range raws {
				p, err := msg.Parse(raw)
				if err != nil || p.Report != nil {
					continue
				}
				sent := folder == "Sent" || strings.EqualFold(p.From.Email, bal)
				if k := fmt.Sprint(p.MessageID, sent); seen[k] {
					continue
				} else {
					seen[k] = true
				}
				other := p.From
				if sent && len(p.To) > 0 {
					other = p.To[0]
				}
				m := indicator.MonthOf(p.Date, time.Local)
				c := out[m]
				switch {
				case sent && other.IsPatient():
					c.sentPatients++
				case other.IsPatient():
					c.recvPatients++
				case sent:
					c.sentPros++
				default:
					c.recvPros++
				}
				out[m] = c
			}
		}
	}
	return out
}

func TestIndicatorShowsTheRatio(t *testing.T) {
	h := start(t, cpstest.Titulaire.Label)
	openMail(t, h)
	h.WaitText("● En ligne")
	want := operatorCounts(t)
	s := h.UI.ShowIndicator()
	var diff string
	defer func() {
		if t.Failed() {
			t.Logf("last difference: %s", diff)
		}
	}()
	// The cache catches up with the operator (first sync of every folder).
	h.WaitFor("the indicator to count what the operator holds", func() bool {
		s.Reload()
		rows := s.Computed().Rows
		n := 0
		for _, r := range rows {
			w := want[r.Month]
			if r.SentPatients != w.sentPatients || r.ReceivedPatients != w.recvPatients ||
				r.SentProfessionals != w.sentPros || r.ReceivedProfessionals != w.recvPros {
				diff = fmt.Sprintf("%s: cache %d/%d/%d/%d, operator %+v", r.Month.Label(), r.SentPatients, r.ReceivedPatients, r.SentProfessionals, r.ReceivedProfessionals, w)
				return false
			}
			if w.exchanges() > 0 {
				n++
			}
		}
		return n == len(want)
	})
	if len(want) < 2 {
		t.Fatalf("the seed spans %d month(s), want at least 2", len(want))
	}
	if !strings.Contains(s.Summary.Text, "Saisissez ou importez le nombre de délivrances") {
		t.Fatalf("without dispensings the summary says %q", s.Summary.Text)
	}

	// Dispensings typed for the last month: exactly 20 times its exchanges is 5,00 %.
	rows := s.Computed().Rows
	last, prev := rows[len(rows)-1], rows[len(rows)-2]
	eLast, ePrev := want[last.Month].exchanges(), want[prev.Month].exchanges()
	s.Month.SetText(last.Month.Label())
	s.Count.SetText(strconv.Itoa(20 * eLast))
	s.SaveMonth.OnTapped()
	if s.Problems.Visible() {
		t.Fatalf("typing %s: %q", last.Month.Label(), s.Problems.Text)
	}
	cells := s.RowCells(s.Computed().Rows[len(rows)-1])
	if cells[7] != "5,00 %" || cells[8] != "atteint" {
		t.Fatalf("last month's row: %q", cells)
	}

	// The chart: the last month's bar halfway up (the scale tops at twice the 5 % target).
	if labels, heights := s.Chart.Bars(); len(heights) != len(rows) || labels[len(rows)-1] != last.Month.String() || heights[len(rows)-1] != 0.5 {
		t.Fatalf("chart bars %v %v", labels, heights)
	}

	// The month before, imported from the pharmacy software's CSV (one bad line reported):
	// 40 times its exchanges is 2,50 %.
	csv := fmt.Sprintf("Mois;Délivrances\r\n%s;%d\r\nhier;3\r\n", prev.Month.String(), 40*ePrev)
	s.ImportDispensings(strings.NewReader(csv))
	if !strings.Contains(s.Problems.Text, "1 mois de délivrances importé") || !strings.Contains(s.Problems.Text, "ligne 3") {
		t.Fatalf("import report: %q", s.Problems.Text)
	}
	cells = s.RowCells(s.Computed().Rows[len(rows)-2])
	missing := (5*40*ePrev+99)/100 - ePrev
	if cells[7] != "2,50 %" || cells[8] != "manque "+fr.Count(int64(missing), "échange", "échanges") {
		t.Fatalf("previous month's row: %q (want 2,50 %%, %d missing)", cells, missing)
	}

	// Over the period: (eLast + ePrev) / (20 eLast + 40 ePrev).
	ratio := indicator.FormatPercent(float64(eLast+ePrev) / float64(20*eLast+40*ePrev))
	summary := fmt.Sprintf("Taux estimé sur la période : %s %% (%s pour %s, sur 2 mois renseignés).",
		ratio, fr.Count(int64(eLast+ePrev), "échange MSSanté", "échanges MSSanté"), fr.Count(int64(20*eLast+40*ePrev), "délivrance", "délivrances"))
	h.WaitFor("the summary on screen", func() bool {
		for _, txt := range apptest.WindowTexts(s.Window) {
			if strings.HasPrefix(txt, summary) {
				return true
			}
		}
		return false
	})
	for _, want := range []string{"Comment le taux est estimé", "5,00 %", "2,50 %", last.Month.Label()} {
		found := false
		for _, txt := range apptest.WindowTexts(s.Window) {
			found = found || strings.Contains(txt, want)
		}
		if !found {
			t.Errorf("the indicator window does not show %q", want)
		}
	}

	// The export has the documented columns and the Total line; it re-imports as dispensings.
	var out bytes.Buffer
	if err := s.ExportCSV(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Mois;Envoyés aux patients;Reçus de patients;Envoyés aux professionnels;Reçus de professionnels;Échanges MSSanté;Délivrances;Taux (%);Objectif 5 % atteint",
		last.Month.String() + ";", "5,00;oui", "Total;"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the export lacks %q:\n%s", want, out.String())
		}
	}
	back, err := indicator.ImportDispensings(bytes.NewReader(out.Bytes()))
	if err != nil || back.Dispensings[last.Month] != 20*eLast || back.Dispensings[prev.Month] != 40*ePrev {
		t.Fatalf("the export does not re-import: %v %v", back, err)
	}

	// Kept in the encrypted cache: a new window shows the same months.
	s.Window.Close()
	again := h.UI.ShowIndicator()
	h.WaitFor("the new window's count", func() bool { return len(again.Computed().Rows) == len(rows) })
	if cells := again.RowCells(again.Computed().Rows[len(rows)-1]); cells[6] != strconv.Itoa(20*eLast) {
		t.Fatalf("dispensings not kept: %q", cells)
	}
	again.Window.Close()
}
