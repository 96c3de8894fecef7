package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The attacker of these tests can write the cache file but has no card: they edit the raw
// bbolt file (no key) using only what it shows in clear, UIDs, dates, doc ids and which
// index keys share a prefix.

// tamper closes s, runs fn on the raw file and reopens it with the card.
func tamper(t *testing.T, s *Store, path string, fn func(tx *bolt.Tx) error) *Store {
	t.Helper()
	must(t, s.Close())
	db, err := bolt.Open(path, 0o600, nil)
	must(t, err)
	must(t, db.Update(fn))
	must(t, db.Close())
	s, err = Open(path, newSigner(1), Options{})
	must(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// keyEndingWith returns the key of bucket b whose last 4 bytes are uid (big endian).
func keyEndingWith(t *testing.T, tx *bolt.Tx, bucketName string, uid uint32) []byte {
	t.Helper()
	var found []byte
	tx.Bucket([]byte(bucketName)).ForEach(func(k, _ []byte) error {
		if len(k) >= 4 && binary.BigEndian.Uint32(k[len(k)-4:]) == uid {
			found = bytes.Clone(k)
		}
		return nil
	})
	if found == nil {
		t.Fatalf("no %s key ends with UID %d", bucketName, uid)
	}
	return found
}

func uidsOf(es []Envelope) []uint32 {
	var out []uint32
	for _, e := range es {
		out = append(out, e.UID)
	}
	return out
}

// twoPatients stores message 1 for patient A and message 2 for patient B.
func twoPatients(t *testing.T) (*Store, string) {
	s, path := openTest(t)
	a := msg(bal, "INBOX", 1, "Ordonnance de Mme Martin", "Amoxicilline 1 g", []byte("corps A"))
	a.Envelope.Patient = &PatientRef{INS: "255081416802538", Name: "Bérénice Martin"}
	b := msg(bal, "INBOX", 2, "Compte rendu de M. Bernard", "Sérologie VIH positive", []byte("corps B"))
	b.Envelope.Patient = &PatientRef{INS: "178042A12345678", Name: "Paul Bernard"}
	must(t, s.PutMessages([]Message{a, b}))
	must(t, s.Check(t.Context()))
	return s, path
}

func wantCorruptCheck(t *testing.T, s *Store, what string) {
	t.Helper()
	if s.IndexMismatches() == 0 {
		t.Errorf("IndexMismatches after reading through %s: 0", what)
	}
	err := s.Check(t.Context())
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("Check after %s: %v, want ErrCorrupt", what, err)
	}
	t.Logf("Check after %s: %v", what, err)
}

// TestCacheIntegrityByPatient: an entry added to patient A's index pointing at patient B's
// message is not returned by ByPatient(A), and Check reports it.
func TestCacheIntegrityByPatient(t *testing.T) {
	s, path := twoPatients(t)
	s = tamper(t, s, path, func(tx *bolt.Tx) error {
		ka, kb := keyEndingWith(t, tx, bucketByPatient, 1), keyEndingWith(t, tx, bucketByPatient, 2)
		return tx.Bucket([]byte(bucketByPatient)).Put(cat(ka[:idSize], kb[idSize:]), nil)
	})
	res, err := s.ByPatient("255081416802538")
	if err != nil || !slices.Equal(uidsOf(res), []uint32{1}) {
		t.Errorf("ByPatient(A) after tampering = %v, %v; want only message 1", uidsOf(res), err)
	}
	if res, err := s.ByPatient("178042A12345678"); err != nil || !slices.Equal(uidsOf(res), []uint32{2}) {
		t.Errorf("ByPatient(B) = %v, %v; want message 2", uidsOf(res), err)
	}
	wantCorruptCheck(t, s, "a forged patient index entry")
}

// TestCacheIntegrityByMessageID: the same with the Message-ID index.
func TestCacheIntegrityByMessageID(t *testing.T) {
	s, path := twoPatients(t)
	s = tamper(t, s, path, func(tx *bolt.Tx) error {
		ka, kb := keyEndingWith(t, tx, bucketByID, 1), keyEndingWith(t, tx, bucketByID, 2)
		return tx.Bucket([]byte(bucketByID)).Put(cat(ka[:idSize], kb[idSize:]), nil)
	})
	res, err := s.ByMessageID("<1.INBOX@test>")
	if err != nil || !slices.Equal(uidsOf(res), []uint32{1}) {
		t.Errorf("ByMessageID after tampering = %v, %v; want only message 1", uidsOf(res), err)
	}
	wantCorruptCheck(t, s, "a forged Message-ID index entry")
}

// TestCacheIntegrityDateIndex: forged date index entries (a message shown twice, at a date
// it does not have, or under another message's UID) are not returned by Page.
func TestCacheIntegrityDateIndex(t *testing.T) {
	for name, fn := range map[string]func(t *testing.T, tx *bolt.Tx) error{
		"duplicate at a forged date": func(t *testing.T, tx *bolt.Tx) error {
			b := tx.Bucket([]byte(bucketByDate))
			k1 := keyEndingWith(t, tx, bucketByDate, ^uint32(1))
			return b.Put(dateKey(k1[:fidSize], t0.Add(time.Hour), 1), bytes.Clone(b.Get(k1)))
		},
		"entry moved to another date": func(t *testing.T, tx *bolt.Tx) error {
			b := tx.Bucket([]byte(bucketByDate))
			k1 := keyEndingWith(t, tx, bucketByDate, ^uint32(1))
			v := bytes.Clone(b.Get(k1))
			if err := b.Delete(k1); err != nil {
				return err
			}
			return b.Put(dateKey(k1[:fidSize], t0.Add(time.Hour), 1), v)
		},
		"message 2 under message 1's date": func(t *testing.T, tx *bolt.Tx) error {
			b := tx.Bucket([]byte(bucketByDate))
			k1, k2 := keyEndingWith(t, tx, bucketByDate, ^uint32(1)), keyEndingWith(t, tx, bucketByDate, ^uint32(2))
			return b.Put(cat(k1[:fidSize+8], k2[fidSize+8:]), bytes.Clone(b.Get(k2)))
		},
	} {
		t.Run(name, func(t *testing.T) {
			s, path := twoPatients(t)
			s = tamper(t, s, path, func(tx *bolt.Tx) error { return fn(t, tx) })
			page, err := s.Page(bal, "INBOX", 0, 50)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page {
				if e.UID == 1 && !e.Date.Equal(t0.Add(time.Minute)) {
					t.Errorf("message 1 shown with date %v", e.Date)
				}
			}
			if got := uidsOf(page); len(got) > 2 || slices.Contains(got[min(1, len(got)):], 2) {
				t.Errorf("Page after tampering = %v; want at most [2 1], each once and in date order", got)
			}
			wantCorruptCheck(t, s, name)
		})
	}
}

// TestCacheIntegrityDocs: a search document re-pointed at another message does not bring
// that message into the results.
func TestCacheIntegrityDocs(t *testing.T) {
	s, path := twoPatients(t)
	s = tamper(t, s, path, func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucketDocs))
		var doc1, loc2 []byte
		b.ForEach(func(k, v []byte) error {
			switch binary.BigEndian.Uint32(v[fidSize:]) {
			case 1:
				doc1 = bytes.Clone(k)
			case 2:
				loc2 = bytes.Clone(v)
			}
			return nil
		})
		return b.Put(doc1, loc2) // the words of message 1 now find message 2
	})
	res, err := s.Search(Query{Text: "amoxicilline"})
	if err != nil || slices.Contains(uidsOf(res), 2) {
		t.Errorf("Search(amoxicilline) after tampering = %v, %v; must not return message 2", uidsOf(res), err)
	}
	wantCorruptCheck(t, s, "a re-pointed search document")
}

// TestCacheIntegrityDateIndexDocID: on the date-walk path of Search (many candidates), a
// date index entry given another message's doc id does not bring its message in.
func TestCacheIntegrityDateIndexDocID(t *testing.T) {
	s, path := openTest(t)
	var ms []Message
	for uid := uint32(1); uid <= 10; uid++ {
		ms = append(ms, msg(bal, "INBOX", uid, fmt.Sprintf("Ordonnance %d de Mme Martin", uid), "", nil))
	}
	ms = append(ms, msg(bal, "INBOX", 11, "Compte rendu de M. Bernard", "", nil))
	must(t, s.PutMessages(ms))
	s = tamper(t, s, path, func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucketByDate))
		k1, k11 := keyEndingWith(t, tx, bucketByDate, ^uint32(1)), keyEndingWith(t, tx, bucketByDate, ^uint32(11))
		return b.Put(k11, bytes.Clone(b.Get(k1)))
	})
	res, err := s.Search(Query{Text: "martin", Limit: 1})
	if err != nil || !slices.Equal(uidsOf(res), []uint32{10}) {
		t.Errorf("Search(martin, limit 1) after tampering = %v, %v; want [10]", uidsOf(res), err)
	}
	wantCorruptCheck(t, s, "a date index entry with another doc id")
}

// TestCacheIntegrityCheckFindsMissingEntries: deleted index entries (a message hidden from
// its folder, patient or thread) are reported by Check.
func TestCacheIntegrityCheckFindsMissingEntries(t *testing.T) {
	for _, name := range []string{bucketByDate, bucketByPatient, bucketByID, bucketDocs} {
		t.Run(name, func(t *testing.T) {
			s, path := twoPatients(t)
			s = tamper(t, s, path, func(tx *bolt.Tx) error {
				b := tx.Bucket([]byte(name))
				k, _ := b.Cursor().First()
				return b.Delete(k)
			})
			if err := s.Check(t.Context()); !errors.Is(err, ErrCorrupt) {
				t.Errorf("Check after deleting a %s entry: %v, want ErrCorrupt", name, err)
			}
		})
	}
}
