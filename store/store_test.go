package store

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)

func msg(bal, folder string, uid uint32, subject, text string, body []byte, flags ...string) Message {
	return Message{Envelope: Envelope{
		Ref:       Ref{BAL: bal, Folder: folder, UID: uid},
		MessageID: fmt.Sprintf("<%d.%s@test>", uid, folder),
		Date:      t0.Add(time.Duration(uid) * time.Minute),
		From:      Address{Name: "Dr Hélène Lefèvre", Email: "helene.lefevre@medecin.mssante.fr"},
		Subject:   subject, Flags: flags, Text: text, Size: int64(len(body)),
	}, Body: body}
}

const bal = "pharmacie.dupont@pharma.mssante.fr"

func TestMessagesRoundTrip(t *testing.T) {
	s, _ := openTest(t)
	var ms []Message
	for uid := uint32(1); uid <= 120; uid++ {
		flags := []string{}
		if uid%3 == 0 {
			flags = []string{`\Seen`}
		}
		ms = append(ms, msg(bal, "INBOX", uid, fmt.Sprintf("Ordonnance n°%d", uid), "Bonjour, voici l'ordonnance.", []byte("raw body"), flags...))
	}
	if err := s.PutMessages(ms); err != nil {
		t.Fatal(err)
	}
	total, unreadN, err := s.Counts(bal, "INBOX")
	if err != nil || total != 120 || unreadN != 80 {
		t.Fatalf("Counts = %d, %d, %v; want 120, 80", total, unreadN, err)
	}
	page, err := s.Page(bal, "INBOX", 0, 50)
	if err != nil || len(page) != 50 || page[0].UID != 120 || page[49].UID != 71 {
		t.Fatalf("first page: %d items, err %v", len(page), err)
	}
	if page[0].Text != "" {
		t.Errorf("Page returned Text")
	}
	page, _ = s.Page(bal, "INBOX", 100, 50)
	if len(page) != 20 || page[19].UID != 1 {
		t.Fatalf("last page: %d items", len(page))
	}
	env, err := s.Envelope(Ref{bal, "INBOX", 7})
	if err != nil || env.Subject != "Ordonnance n°7" || env.Text == "" {
		t.Fatalf("Envelope = %+v, %v", env, err)
	}
	body, err := s.Body(Ref{bal, "INBOX", 7})
	if err != nil || !bytes.Equal(body, []byte("raw body")) {
		t.Fatalf("Body = %q, %v", body, err)
	}
	if _, err := s.Body(Ref{bal, "INBOX", 999}); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing body: %v", err)
	}
	if err := s.SetFlags(Ref{bal, "INBOX", 1}, []string{`\Seen`}); err != nil {
		t.Fatal(err)
	}
	if err := s.Expunge(bal, "INBOX", []uint32{2, 3}); err != nil {
		t.Fatal(err)
	}
	total, unreadN, _ = s.Counts(bal, "INBOX")
	if total != 118 || unreadN != 78 {
		t.Fatalf("after flags+expunge Counts = %d, %d; want 118, 78", total, unreadN)
	}
	if err := s.Move(Ref{bal, "INBOX", 4}, "Archives", 1); err != nil {
		t.Fatal(err)
	}
	res, err := s.Search(Query{Text: "ordonnance 4", BAL: bal, Folder: "Archives"})
	if err != nil || len(res) != 1 || res[0].UID != 1 {
		t.Fatalf("Search after move = %v, %v", res, err)
	}
	res, err = s.Search(Query{Text: "LEFEVRE ordonn"})
	if err != nil || len(res) != 118 {
		t.Fatalf("Search = %d results, %v", len(res), err)
	}
	must(t, s.Check(t.Context())) // every index still matches its messages
}
