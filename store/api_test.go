package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Œdème à l'ÉPAULE — Françoise":         "oedeme epaule francoise",
		"Hélène LEFÈVRE <helene.lefevre@x.fr>": "helene lefevre helene lefevre fr",
		"Ordonnance_Martin_2026-03-14.pdf":     "ordonnance martin 2026 03 14 pdf",
		"Straße Æther naïve cœur":              "strasse aether naive coeur",
		"e\u0301le\u0300ve":                    "eleve", // already decomposed
		"aujourd’hui":                          "aujourd hui",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func subjects(es []Envelope) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Subject)
	}
	slices.Sort(out)
	return out
}

func TestSearch(t *testing.T) {
	s, _ := openTest(t)
	other := "dr.durand@medecin.mssante.fr"
	m1 := msg(bal, "INBOX", 1, "Ordonnance Amoxicilline", "Prendre trois fois par jour pendant sept jours.", nil)
	m2 := msg(bal, "INBOX", 2, "Résultats biologiques", "Créatinine élevée : adapter la posologie.", nil)
	m2.Envelope.Attachments = []Attachment{{Name: "Bilan_Hépatique.pdf", ContentType: "application/pdf"}}
	m3 := msg(bal, "Archives", 3, "Renouvellement", "Traitement habituel.", nil)
	m3.Envelope.Patient = &PatientRef{INS: "1", Name: "Noémie Lœwy"}
	m4 := msg(other, "INBOX", 4, "Ordonnance", "Amoxicilline 1 g.", nil)
	must(t, s.PutMessages([]Message{m1, m2, m3, m4}))
	must(t, s.PutFolder(Folder{BAL: bal, Name: "INBOX"}))
	must(t, s.PutFolder(Folder{BAL: bal, Name: "Archives"}))
	for _, c := range []struct {
		q    Query
		want []string
	}{
		{Query{Text: "AMOXICILLINE"}, []string{"Ordonnance", "Ordonnance Amoxicilline"}},
		{Query{Text: "creatinine posologie"}, []string{"Résultats biologiques"}},
		{Query{Text: "créatinine absent"}, nil},
		{Query{Text: "hepatique"}, []string{"Résultats biologiques"}}, // attachment name
		{Query{Text: "loewy"}, []string{"Renouvellement"}},            // patient name, ligature
		{Query{Text: "amox"}, []string{"Ordonnance Amoxicilline"}},    // prefix of a subject word only
		{Query{Text: "amox "}, nil},                                   // trailing space: whole words
		{Query{Text: "helene lef"}, []string{"Ordonnance", "Ordonnance Amoxicilline", "Renouvellement", "Résultats biologiques"}},
		{Query{Text: "ordonnance", BAL: bal}, []string{"Ordonnance Amoxicilline"}},
		{Query{Text: "lefevre", BAL: bal, Folder: "Archives"}, []string{"Renouvellement"}},
		{Query{Text: "le la de"}, nil},                                               // stop words only
		{Query{Text: "lefevre", Limit: 2}, []string{"Ordonnance", "Renouvellement"}}, // newest first: UIDs 4, 3
	} {
		res, err := s.Search(c.q)
		if err != nil {
			t.Fatal(err)
		}
		if got := subjects(res); !slices.Equal(got, c.want) {
			t.Errorf("Search(%+v) = %q, want %q", c.q, got, c.want)
		}
	}
	// Expunged messages leave the results; moved ones follow their new folder.
	must(t, s.Expunge(bal, "INBOX", []uint32{1}))
	must(t, s.Move(Ref{bal, "INBOX", 2}, "Archives", 10))
	res, _ := s.Search(Query{Text: "amoxicilline"})
	if got := subjects(res); !slices.Equal(got, []string{"Ordonnance"}) {
		t.Errorf("after expunge: %q", got)
	}
	res, _ = s.Search(Query{Text: "creatinine", BAL: bal, Folder: "Archives"})
	if len(res) != 1 || res[0].UID != 10 {
		t.Errorf("after move: %+v", res)
	}
	must(t, s.Check(t.Context())) // every index still matches its messages
}

func TestReplaceKeepsBodyAndCounts(t *testing.T) {
	s, _ := openTest(t)
	m := msg(bal, "INBOX", 1, "Premier", "texte initial", []byte("corps"))
	must(t, s.PutMessages([]Message{m}))
	m.Envelope.Subject, m.Envelope.Text, m.Body = "Second", "", nil
	m.Envelope.Flags = []string{flagSeen}
	must(t, s.PutMessages([]Message{m}))
	if total, unreadN, _ := s.Counts(bal, "INBOX"); total != 1 || unreadN != 0 {
		t.Errorf("counts after replace: %d, %d", total, unreadN)
	}
	if b, err := s.Body(m.Envelope.Ref); err != nil || string(b) != "corps" {
		t.Errorf("body after replace: %q, %v", b, err)
	}
	if res, _ := s.Search(Query{Text: "initial second"}); len(res) != 1 {
		t.Errorf("search after replace: %v", res)
	}
	if res, _ := s.Search(Query{Text: "premier "}); len(res) != 0 {
		t.Errorf("old subject still found: %v", res)
	}
	if res, _ := s.ByMessageID(m.Envelope.MessageID); len(res) != 1 {
		t.Errorf("ByMessageID after replace: %v", res)
	}
	if _, err := s.Body(Ref{bal, "INBOX", 1}); err != nil {
		t.Fatal(err)
	}
	must(t, s.PutMessages([]Message{msg(bal, "INBOX", 2, "sans corps", "", nil)}))
	if _, err := s.Body(Ref{bal, "INBOX", 2}); !errors.Is(err, ErrNoBody) {
		t.Errorf("envelope without body: %v, want ErrNoBody", err)
	}
	must(t, s.Check(t.Context())) // every index still matches its messages
}

func TestReturnedValuesAreCopies(t *testing.T) {
	s, _ := openTest(t)
	m := msg(bal, "INBOX", 1, "Sujet", "texte", []byte("corps original"), flagSeen)
	m.Envelope.To = []Address{{Name: "A", Email: "a@x"}}
	must(t, s.PutMessages([]Message{m}))
	m.Body[0] = 'X' // the caller's slice is not kept either
	b, _ := s.Body(m.Envelope.Ref)
	b[0] = 'Y'
	e, _ := s.Envelope(m.Envelope.Ref)
	e.Flags[0], e.To[0].Name = "changed", "changed"
	page, _ := s.Page(bal, "INBOX", 0, 1)
	page[0].Flags[0] = "changed"
	b2, _ := s.Body(m.Envelope.Ref)
	e2, _ := s.Envelope(m.Envelope.Ref)
	if string(b2) != "corps original" || e2.Flags[0] != flagSeen || e2.To[0].Name != "A" {
		t.Fatalf("stored values changed through returned ones: %q %+v", b2, e2)
	}
}

func TestFoldersAndBALs(t *testing.T) {
	s, _ := openTest(t)
	must(t, s.PutBAL(BAL{Address: "b@x", Kind: "PER"}))
	must(t, s.PutBAL(BAL{Address: "a@x", Kind: "ORG", Role: "Administrateur"}))
	if b, err := s.BALs(); err != nil || len(b) != 2 || b[0].Address != "a@x" || b[0].Role != "Administrateur" {
		t.Fatalf("BALs: %+v, %v", b, err)
	}
	must(t, s.PutFolder(Folder{BAL: "a@x", Name: "INBOX", UIDValidity: 5, UIDNext: 3, HighestModSeq: 9}))
	must(t, s.PutFolder(Folder{BAL: "a@x", Name: "Archives"}))
	must(t, s.PutMessages([]Message{msg("a@x", "INBOX", 1, "un", "mot", []byte("b")), msg("a@x", "INBOX", 2, "deux", "mot", nil)}))
	must(t, s.PutFolder(Folder{BAL: "a@x", Name: "INBOX", UIDValidity: 5, UIDNext: 4}))
	if total, _, _ := s.Counts("a@x", "INBOX"); total != 2 {
		t.Errorf("PutFolder lost counts: %d", total)
	}
	fs, err := s.Folders("a@x")
	if err != nil || len(fs) != 2 || fs[0].Name != "Archives" || fs[1].UIDNext != 4 {
		t.Fatalf("Folders: %+v, %v", fs, err)
	}
	if _, err := s.Folder("a@x", "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Folder unknown: %v", err)
	}
	must(t, s.ResetFolder("a@x", "INBOX", 6))
	f, _ := s.Folder("a@x", "INBOX")
	uids, _ := s.UIDs("a@x", "INBOX")
	if f.UIDValidity != 6 || f.UIDNext != 0 || len(uids) != 0 {
		t.Errorf("after reset: %+v, %v", f, uids)
	}
	if res, _ := s.Search(Query{Text: "mot"}); len(res) != 0 {
		t.Errorf("search after reset: %v", res)
	}
	must(t, s.PutMessages([]Message{msg("a@x", "Archives", 1, "garde", "", []byte("b"))}))
	must(t, s.DeleteFolder("a@x", "Archives"))
	if fs, _ := s.Folders("a@x"); len(fs) != 1 {
		t.Errorf("after DeleteFolder: %+v", fs)
	}
	if _, err := s.Body(Ref{"a@x", "Archives", 1}); !errors.Is(err, ErrNotFound) {
		t.Errorf("body after DeleteFolder: %v", err)
	}
	must(t, s.DeleteBAL("a@x"))
	if b, _ := s.BALs(); len(b) != 1 {
		t.Errorf("after DeleteBAL: %+v", b)
	}
	if fs, _ := s.Folders("a@x"); len(fs) != 0 {
		t.Errorf("folders after DeleteBAL: %+v", fs)
	}
	must(t, s.Check(t.Context())) // every index still matches its messages
}

func TestOutbox(t *testing.T) {
	s, _ := openTest(t)
	must(t, s.Enqueue(OutboxItem{ID: "a", Raw: []byte("1")}))
	must(t, s.Enqueue(OutboxItem{ID: "b", Raw: []byte("2")}))
	must(t, s.Enqueue(OutboxItem{Raw: []byte("3")}))
	if err := s.Enqueue(OutboxItem{ID: "a"}); err == nil {
		t.Errorf("duplicate ID accepted")
	}
	must(t, s.OutboxFailed("a", "connexion refusée"))
	must(t, s.MarkSubmitted("b"))
	items, err := s.Outbox()
	if err != nil || len(items) != 3 || items[0].ID != "a" || items[0].Attempts != 1 || items[0].LastError != "connexion refusée" ||
		!items[1].Submitted || items[2].ID == "" || items[2].Queued.IsZero() {
		t.Fatalf("Outbox: %+v, %v", items, err)
	}
	must(t, s.Ack("b"))
	if err := s.Ack("b"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Ack twice: %v", err)
	}
	if items, _ := s.Outbox(); len(items) != 2 {
		t.Errorf("after Ack: %+v", items)
	}
	must(t, s.Check(t.Context())) // every index still matches its messages
}

func TestAudit(t *testing.T) {
	s, _ := openTest(t)
	for i := range 10 {
		author := "Dupont"
		if i%2 == 1 {
			author = "Martin"
		}
		must(t, s.Audit(AuditEntry{Time: t0.Add(time.Duration(i) * time.Hour), Author: author, Action: "send", OK: true}))
	}
	all, _ := s.AuditQuery(AuditFilter{})
	if len(all) != 10 || !all[0].Time.Equal(t0.Add(9*time.Hour)) {
		t.Fatalf("AuditQuery all: %d, first %v", len(all), all[0].Time)
	}
	got, _ := s.AuditQuery(AuditFilter{From: t0.Add(2 * time.Hour), To: t0.Add(6 * time.Hour), Author: "Martin"})
	if len(got) != 2 || !got[0].Time.Equal(t0.Add(5*time.Hour)) || !got[1].Time.Equal(t0.Add(3*time.Hour)) {
		t.Fatalf("AuditQuery filtered: %+v", got)
	}
	if got, _ := s.AuditQuery(AuditFilter{Limit: 3}); len(got) != 3 {
		t.Errorf("limit: %d", len(got))
	}
	must(t, s.Check(t.Context())) // every index still matches its messages
}

func TestPatientsAndSettings(t *testing.T) {
	s, _ := openTest(t)
	must(t, s.PutPatient(Patient{INS: "2", BirthName: "Émery", FirstNames: "Zoé"}))
	must(t, s.PutPatient(Patient{INS: "1", BirthName: "Durand", FirstNames: "Luc", BirthDate: t0}))
	p, err := s.Patient("2")
	if err != nil || p.Created.IsZero() {
		t.Fatalf("Patient: %+v, %v", p, err)
	}
	created := p.Created
	must(t, s.PutPatient(Patient{INS: "2", BirthName: "Émery", FirstNames: "Zoé Anne"}))
	if p, _ := s.Patient("2"); !p.Created.Equal(created) || p.FirstNames != "Zoé Anne" {
		t.Errorf("update lost Created: %+v", p)
	}
	ps, _ := s.Patients()
	if len(ps) != 2 || ps[0].BirthName != "Durand" || !ps[0].BirthDate.Equal(t0) {
		t.Errorf("Patients: %+v", ps)
	}
	if _, err := s.Patient("3"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown patient: %v", err)
	}
	// AddPatients adds only the unknown ones, in one transaction.
	n, err := s.AddPatients([]Patient{{INS: "2", BirthName: "Autre"}, {INS: "4", BirthName: "Nouveau"}})
	if err != nil || n != 1 {
		t.Fatalf("AddPatients: %d, %v", n, err)
	}
	if p, _ := s.Patient("2"); p.BirthName != "Émery" || !p.Created.Equal(created) {
		t.Errorf("AddPatients changed a known patient: %+v", p)
	}
	if p, err := s.Patient("4"); err != nil || p.BirthName != "Nouveau" || p.Created.IsZero() {
		t.Errorf("AddPatients: %+v, %v", p, err)
	}
	must(t, s.DeletePatient("4"))
	must(t, s.DeletePatient("1"))
	if ps, _ := s.Patients(); len(ps) != 1 {
		t.Errorf("after delete: %+v", ps)
	}
	if _, err := s.Setting("x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unset setting: %v", err)
	}
	must(t, s.SetSetting("x", []byte("1")))
	must(t, s.SetSetting("vide", []byte{}))
	if v, err := s.Setting("x"); err != nil || string(v) != "1" {
		t.Errorf("setting: %q, %v", v, err)
	}
	if v, err := s.Setting("vide"); err != nil || len(v) != 0 {
		t.Errorf("empty setting: %q, %v", v, err)
	}
	must(t, s.SetSetting("x", nil))
	if _, err := s.Setting("x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted setting: %v", err)
	}
	must(t, s.Check(t.Context())) // every index still matches its messages
}

func TestLookupsByPatientAndMessageID(t *testing.T) {
	s, _ := openTest(t)
	a := msg(bal, "INBOX", 1, "a", "", nil)
	a.Envelope.Patient = &PatientRef{INS: "269054958815780", Name: "X"}
	b := msg(bal, "Sent", 7, "b", "", nil)
	b.Envelope.MessageID = a.Envelope.MessageID
	b.Envelope.Patient = a.Envelope.Patient
	must(t, s.PutMessages([]Message{a, b}))
	if res, _ := s.ByPatient("269054958815780"); len(res) != 2 || res[0].UID != 7 {
		t.Errorf("ByPatient: %+v", res)
	}
	if res, _ := s.ByMessageID(a.Envelope.MessageID); len(res) != 2 {
		t.Errorf("ByMessageID: %+v", res)
	}
	must(t, s.Move(Ref{bal, "Sent", 7}, "Archives", 1))
	res, _ := s.ByMessageID(a.Envelope.MessageID)
	if len(res) != 2 || !slices.ContainsFunc(res, func(e Envelope) bool { return e.Folder == "Archives" && e.UID == 1 }) {
		t.Errorf("ByMessageID after move: %+v", res)
	}
	if res, _ := s.ByPatient("nope"); len(res) != 0 {
		t.Errorf("ByPatient unknown: %+v", res)
	}
	must(t, s.Check(t.Context())) // every index still matches its messages
}

func TestConcurrentReadersAndWriter(t *testing.T) {
	s, _ := openTest(t)
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := uint32(1); i <= 200; i += 10 {
			var batch []Message
			for j := range uint32(10) {
				batch = append(batch, msg(bal, "INBOX", i+j, "sujet", "texte commun", []byte("b")))
			}
			if err := s.PutMessages(batch); err != nil {
				t.Error(err)
			}
		}
	})
	for range 3 {
		wg.Go(func() {
			for range 50 {
				if _, err := s.Page(bal, "INBOX", 0, 20); err != nil {
					t.Error(err)
				}
				if _, err := s.Search(Query{Text: "commun"}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if total, _, _ := s.Counts(bal, "INBOX"); total != 200 {
		t.Errorf("total %d", total)
	}
	must(t, s.Check(t.Context())) // every index still matches its messages
}

func TestMessageCodecRoundTrip(t *testing.T) {
	paris := time.FixedZone("", 3600)
	r := msgRecord{Doc: 42, Env: Envelope{
		Ref: Ref{bal, "INBOX", 9}, MessageID: "<m@x>", InReplyTo: "<p@x>", References: []string{"<a@x>", "<p@x>"},
		Date: time.Date(2026, 2, 3, 4, 5, 6, 7, paris), From: Address{"Dr É", "e@x"},
		To: []Address{{"A", "a@x"}}, Cc: []Address{{"", "c@x"}}, Subject: "Sujet", Flags: []string{flagSeen, `\Answered`},
		Size: 1234, Attachments: []Attachment{{"f.pdf", "application/pdf", 99}}, Patient: &PatientRef{"1", "P"},
		Kind: "xdm", MDNRequested: true, Confidential: true, Preview: "Bonjour",
	}}
	var got msgRecord
	must(t, decodeMsg(encodeMsg(&r), &got))
	if !reflect.DeepEqual(got, r) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, r)
	}
}

// FuzzDecodeMsg: a damaged record is an error, never a panic or a huge allocation.
func FuzzDecodeMsg(f *testing.F) {
	f.Add(encodeMsg(&msgRecord{Doc: 1, Env: Envelope{Ref: Ref{"b", "f", 1}, Subject: "s", To: []Address{{"a", "b"}}}}))
	f.Add([]byte(`{"e":{"Subject":"x"}}`))
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		var r msgRecord
		decodeMsg(b, &r)
	})
}

func TestPaths(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", "/data")
	t.Setenv("XDG_CONFIG_HOME", "/conf")
	d, err := DataDir()
	if err != nil || d != filepath.Join("/data", "comptoir") {
		t.Errorf("DataDir = %q, %v", d, err)
	}
	c, err := ConfigDir()
	if err != nil || c != filepath.Join("/conf", "comptoir") {
		t.Errorf("ConfigDir = %q, %v", c, err)
	}
	p1, _ := PathFor("810012345678")
	p2, _ := PathFor("810099999999")
	if p1 == p2 || !strings.HasPrefix(p1, d) || strings.Contains(p1, "810012345678") || !strings.HasSuffix(p1, ".db") {
		t.Errorf("PathFor: %q, %q", p1, p2)
	}
	if _, err := PathFor(""); err == nil {
		t.Errorf("empty national ID accepted")
	}
}

// TestDeepPagesAndWalkedSearch covers the paths taken only in large folders: pages that
// start from an anchor (and anchors rebuilt after a write), and searches with many
// matches that walk the date index.
func TestDeepPagesAndWalkedSearch(t *testing.T) {
	s, _ := openTest(t)
	const n = 1500
	var ms []Message
	for uid := uint32(1); uid <= n; uid++ {
		m := msg(bal, "INBOX", uid, "Ordonnance", "commun", nil)
		// Dates out of UID order, with ties, to exercise the index order.
		m.Envelope.Date = t0.Add(time.Duration((uid*7919)%1000) * time.Hour)
		ms = append(ms, m)
	}
	must(t, s.PutMessages(ms))
	must(t, s.PutMessages([]Message{msg(bal, "Sent", 1, "Ordonnance", "commun", nil)}))
	want := func() []uint32 {
		sorted := slices.Clone(ms)
		slices.SortFunc(sorted, func(a, b Message) int {
			if c := b.Envelope.Date.Compare(a.Envelope.Date); c != 0 {
				return c
			}
			return int(b.Envelope.UID) - int(a.Envelope.UID)
		})
		var uids []uint32
		for _, m := range sorted {
			uids = append(uids, m.Envelope.UID)
		}
		return uids
	}
	check := func(label string) {
		t.Helper()
		ref := want()
		for _, off := range []int{0, 511, 512, 513, 1024, 1100, len(ref) - 3, len(ref) + 5} {
			page, err := s.Page(bal, "INBOX", off, 10)
			must(t, err)
			var got []uint32
			for _, e := range page {
				got = append(got, e.UID)
			}
			end := min(off+10, len(ref))
			var exp []uint32
			if off < len(ref) {
				exp = ref[off:end]
			}
			if !slices.Equal(got, exp) {
				t.Fatalf("%s: page at %d = %v, want %v", label, off, got, exp)
			}
		}
	}
	check("first read")
	check("anchors reused")
	firstAnchor := func() *[]byte {
		s.anchorMu.Lock()
		defer s.anchorMu.Unlock()
		for _, a := range s.anchors {
			return &a.keys[0]
		}
		return nil
	}
	built := firstAnchor()
	// Writes that leave the date index alone keep the anchors: before, any write (the
	// audit journal, a setting) made the next deep page walk the whole folder again.
	must(t, s.SetSetting("x", []byte("1")))
	must(t, s.SetFlags(ms[10].Envelope.Ref, []string{`\Seen`}))
	check("anchors kept after writes elsewhere")
	if firstAnchor() != built {
		t.Error("anchors rebuilt after writes that leave the date index alone")
	}
	// A write moves every later position: anchors must not be reused.
	must(t, s.Expunge(bal, "INBOX", []uint32{ms[0].Envelope.UID, ms[1].Envelope.UID, ms[2].Envelope.UID}))
	ms = ms[3:]
	check("after expunge")
	if firstAnchor() == built {
		t.Error("anchors reused after an expunge")
	}

	res, err := s.Search(Query{Text: "commun", Limit: 20}) // 1498 matches > walkFrom*limit
	must(t, err)
	if len(res) != 20 {
		t.Fatalf("walked search: %d results", len(res))
	}
	for i := 1; i < len(res); i++ {
		if res[i].Date.After(res[i-1].Date) {
			t.Fatalf("walked search not newest first at %d", i)
		}
	}
	scoped, _ := s.Search(Query{Text: "commun", BAL: bal, Folder: "INBOX", Limit: 20})
	top := want()[:20]
	for i, e := range scoped {
		if e.UID != top[i] || e.Folder != "INBOX" {
			t.Fatalf("scoped walked search[%d] = %d, want %d", i, e.UID, top[i])
		}
	}
	must(t, s.Check(t.Context())) // every index still matches its messages
}

// TestResyncKeepsIndexCompact: re-putting the same message with new flags (what a sync
// does) keeps one search document, so postings do not grow with every flag change.
func TestResyncKeepsIndexCompact(t *testing.T) {
	s, _ := openTest(t)
	m := msg(bal, "INBOX", 1, "Ordonnance", "texte stable", []byte("corps"))
	for i := range 5 {
		m.Envelope.Flags = []string{fmt.Sprintf("$Label%d", i)}
		must(t, s.PutMessages([]Message{m}))
	}
	m.Envelope.Subject = "Ordonnance modifiée"
	must(t, s.PutMessages([]Message{m}))
	err := s.view(func(tx *bolt.Tx, k *sealKeys) error {
		tz := k.tokener()
		ids, err := postBuckets(tx, k).postings(tz.sum(tokWord, "stable", wordSize))
		if err != nil {
			return err
		}
		if len(ids) != 2 { // one document until the subject changed, then a new one
			t.Errorf("postings of a re-synced message: %v, want 2 ids", ids)
		}
		if n := tx.Bucket([]byte(bucketDocs)).Stats().KeyN; n != 1 {
			t.Errorf("%d live documents, want 1", n)
		}
		return nil
	})
	must(t, err)
	if res, _ := s.Search(Query{Text: "modifiee stable"}); len(res) != 1 {
		t.Errorf("search after edit: %v", res)
	}
	must(t, s.Check(t.Context())) // every index still matches its messages
}

func TestRebuildIndex(t *testing.T) {
	s, _ := openTest(t)
	var ms []Message
	for uid := uint32(1); uid <= 50; uid++ {
		ms = append(ms, msg(bal, "INBOX", uid, fmt.Sprintf("Sujet %d", uid), "texte reconstruit", nil))
	}
	must(t, s.PutMessages(ms))
	must(t, s.Expunge(bal, "INBOX", []uint32{1, 2, 3}))
	must(t, s.RebuildIndex(t.Context()))
	if res, _ := s.Search(Query{Text: "reconstruit"}); len(res) != 47 || res[0].UID != 50 {
		t.Fatalf("after rebuild: %d results", len(res))
	}
	must(t, s.PutMessages([]Message{msg(bal, "INBOX", 99, "Nouveau", "texte reconstruit", nil)}))
	if res, _ := s.Search(Query{Text: "reconstruit", Limit: 1}); len(res) != 1 || res[0].UID != 99 {
		t.Fatalf("insert after rebuild: %v", res)
	}
	must(t, s.Check(t.Context()))
}

func TestUserMessagesInFrench(t *testing.T) {
	for _, err := range []error{ErrLocked, ErrWrongCard, ErrUnsupportedKey, ErrNewerSchema, ErrDiskFull, ErrCorrupt,
		ErrSealed, ErrClosed, ErrNotFound, ErrNoBody, ErrNotEnrolled, ErrKeyringUnavailable, ErrNoCardKey, ErrSecretNotFound, &CorruptError{Path: "a", Aside: "a.corrupt-x", Err: errors.New("x")}} {
		msg := UserMessage(fmt.Errorf("store: wrapped: %w", err))
		if msg == "" || strings.Contains(msg, "store:") {
			t.Errorf("UserMessage(%v) = %q", err, msg)
		}
	}
	if UserMessage(errors.New("autre")) != "" || UserMessage(nil) != "" {
		t.Errorf("foreign errors must give no message")
	}
}

// TestSegmentsCompact: postings spread over segments, merged every segMax batches, always
// give the same answers.
func TestSegmentsCompact(t *testing.T) {
	s, _ := openTest(t)
	for batch := range uint32(2*segMax + 3) {
		var ms []Message
		for i := range uint32(3) {
			uid := batch*3 + i + 1
			ms = append(ms, msg(bal, "INBOX", uid, "Lot", fmt.Sprintf("commun lot%d", batch), nil))
		}
		must(t, s.PutMessages(ms))
		res, err := s.Search(Query{Text: "commun", Limit: 1000})
		if err != nil || len(res) != int(3*(batch+1)) {
			t.Fatalf("after batch %d: %d results, %v", batch, len(res), err)
		}
	}
	for _, b := range []uint32{0, segMax - 1, segMax, 2*segMax + 2} {
		if res, _ := s.Search(Query{Text: fmt.Sprintf("lot%d ", b)}); len(res) != 3 {
			t.Errorf("lot%d: %d results", b, len(res))
		}
	}
	must(t, s.Check(t.Context()))
}
