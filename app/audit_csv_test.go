package app

import (
	"bytes"
	"encoding/csv"
	"slices"
	"testing"
	"time"
)

// Server texts with the CSV's own separators, quotes, line ends and formula starts read
// back as they were, without Excel computing anything.
func TestAuditCSVRoundTrip(t *testing.T) {
	tr := newTranslator("fr")
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	when := time.Date(2026, 3, 29, 1, 59, 58, 0, time.UTC) // the night the clocks change in Paris
	es := []AuditEntry{
		{Time: when, Author: "BONNEFOY Élise (899700412358)", BAL: "a@b.fr", Action: "send",
			Request: `SMTP MAIL FROM:<a@b.fr> "x"; y`, Response: "250 2.0.0 OK: queued", OK: true},
		{Time: when.Add(time.Hour), Author: "=HYPERLINK(\"x\")", BAL: "a@b.fr", Action: "login",
			Request: "IMAP\nAUTHENTICATE", Response: "-ERR non", OK: false},
	}
	cols := []AuditColumn{AuditTime, AuditAuthor, AuditAction, AuditRequest, AuditResponse, AuditResult}
	var buf bytes.Buffer
	if err := writeAuditCSV(&buf, tr.T, loc, es, cols); err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), []byte("\uFEFF"))))
	r.Comma = ';'
	got, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"Date et heure", "Auteur", "Action", "Requête", "Réponse du serveur", "Résultat"},
		{"29/03/2026 03:59:58", "BONNEFOY Élise (899700412358)", "Envoi", `SMTP MAIL FROM:<a@b.fr> "x"; y`, "250 2.0.0 OK: queued", "Réussie"},
		{"29/03/2026 04:59:58", `'=HYPERLINK("x")`, "Connexion", "IMAP\nAUTHENTICATE", "'-ERR non", "Échec"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d lines, want %d", len(got), len(want))
	}
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("line %d: %q, want %q", i+1, got[i], want[i])
		}
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("\xEF\xBB\xBF")) || !bytes.Contains(buf.Bytes(), []byte("\r\n")) {
		t.Error("not a BOM-marked CRLF file")
	}
}
