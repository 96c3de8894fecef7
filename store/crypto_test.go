package store

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestOnePrivateKeyOperationPerOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	card := newSigner(1)
	s, err := Open(path, card, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := card.n.Load(); n != 1 {
		t.Errorf("create: %d card operations, want 1", n)
	}
	if err := s.PutMessages([]Message{msg(bal, "INBOX", 1, "s", "t", []byte("b"))}); err != nil {
		t.Fatal(err)
	}
	s.Lock()
	if err := s.Unlock(card); err != nil {
		t.Fatal(err)
	}
	if n := card.n.Load(); n != 2 {
		t.Errorf("after unlock: %d card operations, want 2", n)
	}
	s.Close()
	card.n.Store(0)
	s, err = Open(path, card, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Page(bal, "INBOX", 0, 50); err != nil {
		t.Fatal(err)
	}
	if n := card.n.Load(); n != 1 {
		t.Errorf("reopen: %d card operations, want 1", n)
	}
}

func TestWrongCardCannotOpen(t *testing.T) {
	s, path := openTest(t)
	s.Close()
	_, err := Open(path, newSigner(2), Options{})
	if !errors.Is(err, ErrWrongCard) {
		t.Fatalf("other card: %v, want ErrWrongCard", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("file must stay in place after a wrong card: %v", err)
	}
	s, err = Open(path, newSigner(1), Options{})
	if err != nil {
		t.Fatalf("right card after a wrong one: %v", err)
	}
	s.Close()
}

func TestNonRSACardRefused(t *testing.T) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, err := Open(filepath.Join(t.TempDir(), "c.db"), k, Options{})
	if !errors.Is(err, ErrUnsupportedKey) {
		t.Fatalf("ECDSA: %v, want ErrUnsupportedKey", err)
	}
}

// marker appears in every kind of record; it must not appear in the file.
const marker = "Zyxwvbenzodiazepinemarqueur"

func fillWithMarker(t *testing.T, s *Store) {
	t.Helper()
	m := msg(bal, "INBOX-"+marker, 1, "Objet "+marker, "texte "+marker, []byte("corps "+marker))
	m.Envelope.MessageID = "<" + marker + "@x>"
	m.Envelope.Patient = &PatientRef{INS: "1" + marker, Name: "Patient " + marker}
	m.Envelope.Attachments = []Attachment{{Name: marker + ".pdf", ContentType: "application/pdf"}}
	must(t, s.PutBAL(BAL{Address: marker + "@pharma.mssante.fr", DisplayName: marker}))
	must(t, s.PutFolder(Folder{BAL: bal, Name: "INBOX-" + marker}))
	must(t, s.PutMessages([]Message{m}))
	must(t, s.Enqueue(OutboxItem{ID: marker, Raw: []byte(marker), To: []string{marker}}))
	must(t, s.Audit(AuditEntry{Author: marker, Action: "send", Request: marker}))
	must(t, s.PutPatient(Patient{INS: "2" + marker, BirthName: marker}))
	must(t, s.SetSetting("signature-"+marker, []byte(marker)))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestFileHoldsNoPlaintext(t *testing.T) {
	check := func(encrypt bool) bool {
		path := filepath.Join(t.TempDir(), "c.db")
		s, err := Open(path, newSigner(1), Options{insecureNoEncryption: !encrypt})
		must(t, err)
		fillWithMarker(t, s)
		must(t, s.Close())
		raw, err := os.ReadFile(path)
		must(t, err)
		low := bytes.ToLower(raw)
		return bytes.Contains(low, bytes.ToLower([]byte(marker))) || bytes.Contains(raw, []byte(marker[:12]))
	}
	if check(true) {
		t.Errorf("the encrypted file contains the marker in clear")
	}
	if !check(false) { // proves the probe would see a leak
		t.Errorf("probe broken: the unencrypted variant should show the marker")
	}
}

func TestSealedValuesAreBoundToTheirKey(t *testing.T) {
	s, path := openTest(t)
	must(t, s.PutMessages([]Message{msg(bal, "INBOX", 1, "un", "", []byte("corps 1")), msg(bal, "INBOX", 2, "deux", "", []byte("corps 2"))}))
	must(t, s.Close())
	db, err := bolt.Open(path, 0o600, nil)
	must(t, err)
	must(t, db.Update(func(tx *bolt.Tx) error { // swap the two sealed bodies
		b := tx.Bucket([]byte(bucketBodies))
		var keys, vals [][]byte
		b.ForEach(func(k, v []byte) error {
			keys, vals = append(keys, bytes.Clone(k)), append(vals, bytes.Clone(v))
			return nil
		})
		must(t, b.Put(keys[0], vals[1]))
		return b.Put(keys[1], vals[0])
	}))
	db.Close()
	s, err = Open(path, newSigner(1), Options{})
	must(t, err)
	defer s.Close()
	if _, err := s.Body(Ref{bal, "INBOX", 1}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("swapped body: %v, want ErrCorrupt", err)
	}
	if err := s.Check(t.Context()); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Check after swap: %v, want ErrCorrupt", err)
	}
}

func TestLockWipesKeys(t *testing.T) {
	s, _ := openTest(t)
	must(t, s.PutMessages([]Message{msg(bal, "INBOX", 1, "s", "", nil)}))
	s.mu.RLock()
	dk, tk := s.dataKey, s.keys.tokenKey
	s.mu.RUnlock()
	s.Lock()
	if !bytes.Equal(dk, make([]byte, len(dk))) || !bytes.Equal(tk, make([]byte, len(tk))) {
		t.Fatalf("keys not zeroed after Lock")
	}
	if _, err := s.Page(bal, "INBOX", 0, 10); !errors.Is(err, ErrSealed) {
		t.Fatalf("Page while locked: %v, want ErrSealed", err)
	}
	if err := s.Unlock(newSigner(2)); !errors.Is(err, ErrWrongCard) {
		t.Fatalf("Unlock with another card: %v", err)
	}
	must(t, s.Unlock(newSigner(1)))
	if p, err := s.Page(bal, "INBOX", 0, 10); err != nil || len(p) != 1 {
		t.Fatalf("Page after Unlock: %v, %v", p, err)
	}
	must(t, s.Close())
	if _, err := s.Page(bal, "INBOX", 0, 10); !errors.Is(err, ErrClosed) && !errors.Is(err, ErrSealed) {
		t.Fatalf("Page after Close: %v", err)
	}
}

func TestRekeyForRenewedCard(t *testing.T) {
	s, path := openTest(t)
	must(t, s.PutMessages([]Message{msg(bal, "INBOX", 1, "garde", "", nil)}))
	must(t, s.Rekey(newSigner(2)))
	must(t, s.Close())
	if _, err := Open(path, newSigner(1), Options{}); !errors.Is(err, ErrWrongCard) {
		t.Fatalf("old card after rekey: %v", err)
	}
	s, err := Open(path, newSigner(2), Options{})
	must(t, err)
	defer s.Close()
	if e, err := s.Envelope(Ref{bal, "INBOX", 1}); err != nil || e.Subject != "garde" {
		t.Fatalf("after rekey: %v, %v", e, err)
	}
}

func TestLockedByAnotherComptoir(t *testing.T) {
	_, path := openTest(t)
	start := time.Now()
	_, err := Open(path, newSigner(1), Options{LockTimeout: 200 * time.Millisecond})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "another") {
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("ErrLocked after %v", d)
	}
}
