package store

import (
	"bytes"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

var updateFixture = flag.Bool("update-fixture", false, "rewrite testdata/schema1.db")

const fixtureV1 = "testdata/schema1.db"

// fixtureMessages is what the schema-1 fixture holds: two folders, flags, texts, bodies,
// a patient link and a Message-ID.
func fixtureMessages() []Message {
	var ms []Message
	for uid := uint32(1); uid <= 12; uid++ {
		folder := "INBOX"
		if uid > 9 {
			folder = "Sent"
		}
		m := msg(bal, folder, uid, fmt.Sprintf("Ordonnance n° %d de Mme Bérénice Martin", uid),
			"Bonjour, veuillez trouver l'ordonnance de renouvellement. Cordialement.", []byte(fmt.Sprintf("raw %d", uid)))
		if uid%2 == 0 {
			m.Envelope.Flags = []string{flagSeen}
		}
		if uid == 5 {
			m.Envelope.Patient = &PatientRef{INS: "255081416802538", Name: "Bérénice Martin"}
			m.Envelope.Attachments = []Attachment{{Name: "Ordonnance-Martin.pdf", ContentType: "application/pdf", Size: 48213}}
		}
		ms = append(ms, m)
	}
	return ms
}

// writeSchema1 writes a cache in the first layout (schema 1) with the fixed test key 1:
// no folder counts, no search index, message records without doc id. It uses the same
// sealing and token functions, which have not changed since.
func writeSchema1(path string) error {
	salt := make([]byte, saltSize)
	rand.Read(salt)
	dataKey := make([]byte, dataKeySize)
	rand.Read(dataKey)
	kwk, err := wrappingKey(testKey(1), salt)
	if err != nil {
		return err
	}
	wrapped, err := wrapDataKey(kwk, dataKey)
	if err != nil {
		return err
	}
	k, err := newSealKeys(dataKey, true)
	if err != nil {
		return err
	}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Update(func(tx *bolt.Tx) error {
		for _, b := range []string{bucketMeta, bucketBALs, bucketFolders, bucketMsgs, bucketBodies, bucketTexts,
			bucketByDate, bucketByID, bucketByPatient, bucketOutbox, bucketAudit, bucketPatients, bucketSettings} {
			if _, err := tx.CreateBucket([]byte(b)); err != nil {
				return err
			}
		}
		meta := tx.Bucket([]byte(bucketMeta))
		for key, v := range map[string][]byte{metaFormat: []byte(formatMagic), metaSchema: u32(1), metaSalt: salt, metaWrapped: wrapped} {
			if err := meta.Put([]byte(key), v); err != nil {
				return err
			}
		}
		t := k.tokener()
		if err := bucket(tx, k, bucketBALs).put(t.sum(tokBAL, bal, idSize), &BAL{Address: bal, Kind: "ORG", DisplayName: "Pharmacie Dupont"}); err != nil {
			return err
		}
		type folderV1 struct {
			Folder Folder `json:"f"`
		}
		for _, f := range []string{"INBOX", "Sent"} {
			if err := bucket(tx, k, bucketFolders).put(t.sum(tokFolder, bal+"\x00"+f, fidSize), &folderV1{Folder{BAL: bal, Name: f, UIDValidity: 7}}); err != nil {
				return err
			}
		}
		type msgV1 struct {
			Env Envelope `json:"e"`
		}
		for _, m := range fixtureMessages() {
			e := m.Envelope
			fid := t.sum(tokFolder, bal+"\x00"+e.Folder, fidSize)
			mk := msgKey(fid, e.UID)
			text := e.Text
			e.Text = ""
			puts := []error{
				bucket(tx, k, bucketMsgs).put(mk, &msgV1{e}),
				bucket(tx, k, bucketBodies).putBytes(mk, m.Body),
				bucket(tx, k, bucketTexts).putBytes(mk, []byte(text)),
				tx.Bucket([]byte(bucketByDate)).Put(dateKey(fid, e.Date, e.UID), nil),
				tx.Bucket([]byte(bucketByID)).Put(cat(t.sum(tokMsgID, e.MessageID, idSize), mk), nil),
			}
			if e.Patient != nil {
				puts = append(puts, tx.Bucket([]byte(bucketByPatient)).Put(cat(t.sum(tokINS, e.Patient.INS, idSize), mk), nil))
			}
			if err := errors.Join(puts...); err != nil {
				return err
			}
		}
		return errors.Join(
			bucket(tx, k, bucketPatients).put(t.sum(tokINS, "255081416802538", idSize),
				&Patient{INS: "255081416802538", BirthName: "MARTIN", FirstNames: "Bérénice", Sex: "F", Created: t0}),
			bucket(tx, k, bucketSettings).putBytes(t.sum(tokSetting, "theme", idSize), []byte("clair")),
			bucket(tx, k, bucketOutbox).put(u64(1), &OutboxItem{ID: "o1", BAL: bal, Raw: []byte("raw out"), Queued: t0}),
			bucket(tx, k, bucketAudit).put(cat(u64(uint64(t0.UnixNano())), u64(1)), &AuditEntry{Time: t0, Author: "Dupont", Action: "send", OK: true}),
		)
	})
}

// copyFixture copies the committed schema-1 file to a temp dir (Open migrates in place).
func copyFixture(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(fixtureV1)
	if err != nil {
		t.Fatalf("%v (regenerate with: go test ./store -run TestSchema1Fixture -update-fixture)", err)
	}
	path := filepath.Join(t.TempDir(), "old.db")
	must(t, os.WriteFile(path, raw, 0o600))
	return path
}

func schemaOf(t *testing.T, s *Store) uint32 {
	t.Helper()
	var v uint32
	must(t, s.db.View(func(tx *bolt.Tx) error {
		v = uint32FromBytes(tx.Bucket([]byte(bucketMeta)).Get([]byte(metaSchema)))
		return nil
	}))
	return v
}

func uint32FromBytes(b []byte) uint32 {
	if len(b) != 4 {
		return 0
	}
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// TestSchema1Fixture checks the committed fixture is a schema-1 file, and rewrites it
// with -update-fixture.
func TestSchema1Fixture(t *testing.T) {
	if *updateFixture {
		os.Remove(fixtureV1)
		must(t, writeSchema1(fixtureV1))
	}
	path := copyFixture(t)
	s, err := Open(path, testKey(1), Options{migrateTo: 1})
	must(t, err)
	defer s.Close()
	if v := schemaOf(t, s); v != 1 {
		t.Fatalf("fixture has schema %d, want 1", v)
	}
}

// TestMigration1To2Counts: folder counts computed from the cached messages.
func TestMigration1To2Counts(t *testing.T) {
	s, err := Open(copyFixture(t), testKey(1), Options{migrateTo: 2})
	must(t, err)
	defer s.Close()
	if v := schemaOf(t, s); v != 2 {
		t.Fatalf("schema %d, want 2", v)
	}
	for folder, want := range map[string][2]int{"INBOX": {9, 5}, "Sent": {3, 1}} {
		total, unreadN, err := s.Counts(bal, folder)
		if err != nil || total != want[0] || unreadN != want[1] {
			t.Errorf("%s counts = %d, %d, %v; want %v", folder, total, unreadN, err, want)
		}
	}
	f, err := s.Folder(bal, "INBOX")
	if err != nil || f.UIDValidity != 7 {
		t.Errorf("folder state lost: %+v, %v", f, err)
	}
}

// TestMigration2To3Index: the search index is built from the stored texts and envelopes.
func TestMigration2To3Index(t *testing.T) {
	path := copyFixture(t)
	s, err := Open(path, testKey(1), Options{migrateTo: 2})
	must(t, err)
	must(t, s.Close())
	s, err = Open(path, testKey(1), Options{})
	must(t, err)
	defer s.Close()
	if v := schemaOf(t, s); v != schemaVersion {
		t.Fatalf("schema %d, want %d", v, schemaVersion)
	}
	for q, want := range map[string]int{"berenice renouvellement": 12, "Ordonnance-Martin.pdf": 1, "cordialement": 12, "BERENI": 12} {
		res, err := s.Search(Query{Text: q})
		if err != nil || len(res) != want {
			t.Errorf("Search(%q) = %d results, %v; want %d", q, len(res), err, want)
		}
	}
	// New messages after the migration go on from the migrated document ids.
	must(t, s.PutMessages([]Message{msg(bal, "INBOX", 100, "Nouvelle ordonnance", "posologie", nil)}))
	if res, _ := s.Search(Query{Text: "posologie"}); len(res) != 1 || res[0].UID != 100 {
		t.Errorf("search after migration: %v", res)
	}
}

// TestMigration3To4Segments: a schema-3 index (blocks only) gains the segments bucket;
// searches read both, and new batches go to segments.
func TestMigration3To4Segments(t *testing.T) {
	path := copyFixture(t)
	s, err := Open(path, testKey(1), Options{migrateTo: 3})
	must(t, err)
	if v := schemaOf(t, s); v != 3 {
		t.Fatalf("schema %d, want 3", v)
	}
	must(t, s.Close())
	s, err = Open(path, testKey(1), Options{})
	must(t, err)
	defer s.Close()
	must(t, s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte(bucketPostSeg)) == nil {
			t.Errorf("no %s bucket after migration", bucketPostSeg)
		}
		return nil
	}))
	must(t, s.PutMessages([]Message{msg(bal, "INBOX", 200, "Renouvellement", "cordialement", nil)}))
	if res, _ := s.Search(Query{Text: "cordialement"}); len(res) != 13 {
		t.Errorf("blocks + segment: %d results, want 13", len(res))
	}
}

// TestSchema1FixtureOpensCurrent: everything the old file held is readable after Open.
func TestSchema1FixtureOpensCurrent(t *testing.T) {
	s, err := Open(copyFixture(t), testKey(1), Options{})
	must(t, err)
	defer s.Close()
	must(t, s.Check(t.Context()))
	page, err := s.Page(bal, "INBOX", 0, 50)
	if err != nil || len(page) != 9 || page[0].UID != 9 {
		t.Fatalf("page: %d, %v", len(page), err)
	}
	body, err := s.Body(Ref{bal, "INBOX", 5})
	if err != nil || !bytes.Equal(body, []byte("raw 5")) {
		t.Errorf("body: %q, %v", body, err)
	}
	if res, err := s.ByPatient("255081416802538"); err != nil || len(res) != 1 || res[0].UID != 5 {
		t.Errorf("ByPatient: %v, %v", res, err)
	}
	if res, err := s.ByMessageID("<11.Sent@test>"); err != nil || len(res) != 1 {
		t.Errorf("ByMessageID: %v, %v", res, err)
	}
	if p, err := s.Patient("255081416802538"); err != nil || p.FirstNames != "Bérénice" {
		t.Errorf("patient: %+v, %v", p, err)
	}
	if v, err := s.Setting("theme"); err != nil || string(v) != "clair" {
		t.Errorf("setting: %q, %v", v, err)
	}
	if o, err := s.Outbox(); err != nil || len(o) != 1 || o[0].ID != "o1" {
		t.Errorf("outbox: %v, %v", o, err)
	}
	if a, err := s.AuditQuery(AuditFilter{}); err != nil || len(a) != 1 || !a[0].Time.Equal(t0) {
		t.Errorf("audit: %v, %v", a, err)
	}
	if b, err := s.BALs(); err != nil || len(b) != 1 || b[0].DisplayName != "Pharmacie Dupont" {
		t.Errorf("BALs: %v, %v", b, err)
	}
	_ = time.Second
}
