package demo_test

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"comptoir/app"
	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cps/cpstest"
)

// The journal screen (ECO.4.1.x): the sandbox's own responses, filters by date, BAL, author
// and action, and a CSV export Excel opens (UTF-8 BOM, ';') that reads back as shown.
func TestAuditJournalScreen(t *testing.T) {
	seed := sandbox.Seed(sandbox.DefaultDomain)
	h := start(t, cpstest.Titulaire.Label)
	openMail(t, h)
	h.WaitText("● En ligne")
	test.Tap(h.UI.Main.NewButton)
	h.WaitFor("the composer", func() bool { return len(h.UI.Composers()) == 1 })
	c := h.UI.Composers()[0]
	c.To.SetText(seed.Doctor)
	c.Subject.SetText("Journal : disponibilité")
	c.Body.SetText("Le traitement est disponible.")
	test.Tap(c.Send)
	h.WaitText("Message envoyé")

	s := h.UI.ShowAudit()
	if s == nil {
		t.Fatal("no journal screen")
	}
	const (
		colTime = iota
		colAuthor
		colBAL
		colAction
		colRequest
		colResponse
		colResult
	)
	h.WaitFor("the submission with the sandbox's reply", func() bool {
		s.Reload()
		for _, r := range s.Rows() {
			if r[colAction] == "Envoi" && r[colResponse] == "250 2.0.0 OK: queued" && r[colResult] == "Réussie" {
				return true
			}
		}
		return false
	})
	for _, r := range s.Rows() {
		if strings.Contains(strings.Join(r, " "), "traitement est disponible") {
			t.Fatalf("message contents in the journal: %q", r)
		}
	}

	s.Action.SetSelected("Connexion")
	rows := s.Rows()
	if len(rows) == 0 {
		t.Fatal("no login in the journal")
	}
	for _, r := range rows {
		if r[colAction] != "Connexion" || !(strings.HasPrefix(r[colResponse], "OK ") || strings.HasPrefix(r[colResponse], "235 ")) {
			t.Fatalf("filtered on logins: %q", r)
		}
	}
	s.Action.SetSelectedIndex(0)

	s.BAL.SetSelected(seed.Titulaire)
	for _, r := range s.Rows() {
		if r[colBAL] != seed.Titulaire {
			t.Fatalf("filtered on %s: %q", seed.Titulaire, r)
		}
	}
	s.BAL.SetSelectedIndex(0)

	author := "BONNEFOY Élise (" + cpstest.Titulaire.NationalID + ")"
	if !slices.Contains(s.Author.Options, author) {
		t.Fatalf("authors offered: %q", s.Author.Options)
	}
	s.Author.SetSelected(author)
	if len(s.Rows()) == 0 {
		t.Fatal("nothing by the holder")
	}
	for _, r := range s.Rows() {
		if r[colAuthor] != author {
			t.Fatalf("filtered on %s: %q", author, r)
		}
	}
	s.Author.SetSelectedIndex(0)

	today := time.Now()
	s.To.SetText(today.AddDate(0, 0, -1).Format("02/01/2006"))
	s.Reload()
	if n := len(s.Rows()); n != 0 {
		t.Fatalf("%d entries up to yesterday in a world started today", n)
	}
	s.From.SetText(today.Format("02/01/2006"))
	s.To.SetText(today.Format("02/01/2006"))
	s.Reload()
	shown := s.Rows()
	if len(shown) == 0 {
		t.Fatal("nothing today")
	}
	s.To.SetText("32/13/2026")
	s.Reload()
	if !s.Error.Visible() || !strings.Contains(s.Error.Text, "JJ/MM/AAAA") {
		t.Fatalf("a bad date: %q", s.Error.Text)
	}
	s.To.SetText("")
	s.Reload()

	// Export without the request column; the file reads back as the screen shows it.
	s.Columns[colRequest].SetChecked(false)
	var buf bytes.Buffer
	if err := s.ExportCSV(&buf); err != nil {
		t.Fatal(err)
	}
	shown = s.Rows()
	raw := buf.Bytes()
	if !bytes.HasPrefix(raw, []byte("\xEF\xBB\xBF")) {
		t.Fatal("the CSV has no UTF-8 byte order mark (Excel would misread the accents)")
	}
	r := csv.NewReader(bytes.NewReader(raw[3:]))
	r.Comma = ';'
	records, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Date et heure", "Auteur", "Boîte aux lettres", "Action", "Réponse du serveur", "Résultat"}
	if !slices.Equal(records[0], want) {
		t.Fatalf("CSV header %q, want %q", records[0], want)
	}
	if len(records)-1 != len(shown) {
		t.Fatalf("the CSV holds %d entries, the screen %d", len(records)-1, len(shown))
	}
	for i, rec := range records[1:] {
		row := slices.Delete(slices.Clone(shown[i]), colRequest, colRequest+1)
		for j := range rec {
			rec[j] = strings.TrimPrefix(rec[j], "'") // a leading apostrophe keeps Excel from computing a field
		}
		if !slices.Equal(rec, row) {
			t.Fatalf("CSV line %d %q, screen %q", i+2, rec, row)
		}
	}
	// Every column unchecked: refused in French, nothing written.
	for _, ch := range s.Columns {
		ch.SetChecked(false)
	}
	if err := s.ExportCSV(&bytes.Buffer{}); err == nil {
		t.Fatal("an export without columns")
	}
}

// TestAuditJournalInTheWorkstationTime: a pharmacy in La Réunion reads its journal in its
// own time, the time of every other screen, not in Paris time.
func TestAuditJournalInTheWorkstationTime(t *testing.T) {
	reunion, err := time.LoadLocation("Indian/Reunion")
	if err != nil {
		t.Fatal(err)
	}
	h := startDeps(t, cpstest.Titulaire.Label, func(d *app.Deps) { d.Now = func() time.Time { return time.Now().In(reunion) } })
	openMail(t, h)
	h.WaitText("● En ligne")
	s := h.UI.ShowAudit()
	if s == nil {
		t.Fatal("no journal screen")
	}
	h.WaitFor("the login in the journal", func() bool { s.Reload(); return len(s.Rows()) > 0 })
	shown, err := time.ParseInLocation("02/01/2006 15:04:05", s.Rows()[0][0], reunion)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(shown); d < -time.Minute || d > 10*time.Minute {
		t.Fatalf("the journal shows %s, %v away from the time in La Réunion (%s)", s.Rows()[0][0], d, time.Now().In(reunion).Format("15:04:05"))
	}
}
