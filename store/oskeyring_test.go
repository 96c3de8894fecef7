package store_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"comptoir/cps/cpstest"
	"comptoir/store"
	"comptoir/store/keyring/keyringtest"
)

// The tests of the cache without a card (the OS-keyring wrapping of the data key) run on
// this OS's real secret store (keyringtest): on Linux a private gnome-keyring-daemon.
// Their names carry PSC: they are the store's part of the Pro Santé Connect login.

const rpps = "899700412358" // cpstest.Titulaire's national ID

// countingKey is a software card: an RSA key that counts its private-key operations.
type countingKey struct {
	crypto.Signer
	ops atomic.Int64
}

func (c *countingKey) Sign(r io.Reader, d []byte, o crypto.SignerOpts) ([]byte, error) {
	c.ops.Add(1)
	return c.Signer.Sign(r, d, o)
}

var rsaKeys = sync.OnceValues(func() (*rsa.PrivateKey, *rsa.PrivateKey) {
	a, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	b, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return a, b
})

func card() *countingKey        { a, _ := rsaKeys(); return &countingKey{Signer: a} }
func renewedCard() *countingKey { _, b := rsaKeys(); return &countingKey{Signer: b} }

var opts = store.Options{LockTimeout: time.Second}

// cachePath is the holder's cache file, as both logins find it.
func cachePath(t *testing.T) string {
	t.Helper()
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	t.Setenv("LOCALAPPDATA", t.TempDir())
	path, err := store.PathFor(rpps)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

var ref = store.Ref{BAL: "pharmacie.bonnefoy@pharma.mssante.fr", Folder: "INBOX", UID: 1}

func put(t *testing.T, s *store.Store, uid uint32, subject string) {
	t.Helper()
	r := ref
	r.UID = uid
	if err := s.PutMessages([]store.Message{{Envelope: store.Envelope{Ref: r, Subject: subject, Date: time.Now()}}}); err != nil {
		t.Fatal(err)
	}
}

func subjects(t *testing.T, s *store.Store) []string {
	t.Helper()
	page, err := s.Page(ref.BAL, ref.Folder, 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range page {
		out = append(out, e.Subject)
	}
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// enrolled makes a card cache with one message, enrolled in kr.
func enrolled(t *testing.T, kr store.Keyring) string {
	t.Helper()
	path := cachePath(t)
	s, err := store.Open(path, card(), opts)
	must(t, err)
	put(t, s, 1, "Ordonnance de Mme Martin")
	must(t, s.EnrollKeyring(t.Context(), kr, rpps))
	must(t, s.Close())
	return path
}

// TestPSCCacheSameFileForCardAndKeyring: the holder's card (SoftHSM) and a PSC login
// (the OS keyring) open the same cache file, PathFor(national ID); the keyring open makes
// no card operation, the card open exactly one.
func TestPSCCacheSameFileForCardAndKeyring(t *testing.T) {
	kr := keyringtest.New(t)
	path := cachePath(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	c := loginCard(t, cpstest.Titulaire)
	if c.Identity().NationalID != rpps {
		t.Fatalf("card national ID %q", c.Identity().NationalID)
	}
	signer := c.TLSCertificate().PrivateKey.(crypto.Signer)
	openCard := func() *store.Store {
		t.Helper()
		before := c.PrivateKeyOps()
		s, err := store.Open(path, signer, opts)
		must(t, err)
		if n := c.PrivateKeyOps() - before; n != 1 {
			t.Errorf("card open: %d card operations, want 1", n)
		}
		return s
	}

	s := openCard()
	put(t, s, 1, "Ordonnance de Mme Martin")
	must(t, s.EnrollKeyring(ctx, kr, rpps))
	if card, osk, err := s.Keys(); err != nil || !card || !osk {
		t.Errorf("Keys after enrolment = %v, %v, %v", card, osk, err)
	}
	must(t, s.Close())

	before := c.PrivateKeyOps()
	s, err := store.OpenWithKeyring(ctx, path, rpps, kr, opts)
	must(t, err)
	if n := c.PrivateKeyOps() - before; n != 0 {
		t.Errorf("keyring open: %d card operations, want 0", n)
	}
	if got := subjects(t, s); len(got) != 1 || got[0] != "Ordonnance de Mme Martin" {
		t.Errorf("keyring open reads %q", got)
	}
	put(t, s, 2, "Compte rendu (écrit après une connexion e-CPS)")
	must(t, s.Check(ctx))
	must(t, s.Close())

	s = openCard()
	defer s.Close()
	if got := subjects(t, s); len(got) != 2 {
		t.Errorf("card open after the keyring one reads %q", got)
	}
}

// TestPSCCacheNotEnrolled: a card cache never enrolled on this workstation does not open
// with the keyring, and is left as it was.
func TestPSCCacheNotEnrolled(t *testing.T) {
	kr := keyringtest.New(t)
	path := cachePath(t)
	s, err := store.Open(path, card(), opts)
	must(t, err)
	put(t, s, 1, "garde")
	must(t, s.Close())
	before, err := os.ReadFile(path)
	must(t, err)
	if _, err := store.OpenWithKeyring(t.Context(), path, rpps, kr, opts); !errors.Is(err, store.ErrNotEnrolled) {
		t.Fatalf("OpenWithKeyring of a card-only cache: %v, want ErrNotEnrolled", err)
	}
	if after, err := os.ReadFile(path); err != nil || !bytes.Equal(before, after) {
		t.Errorf("the file changed after a refused keyring open (%v)", err)
	}
	if _, err := kr.Get(t.Context(), rpps); !errors.Is(err, store.ErrSecretNotFound) {
		t.Errorf("a refused open left a secret in the keyring: %v", err)
	}
}

// TestPSCCacheCreatedWithoutCard: a holder who logs in first with the e-CPS gets a new
// cache with only the keyring key; their card then asks for no signature until the cache
// is opened with the keyring and Rekey adds the card's key (one card operation).
func TestPSCCacheCreatedWithoutCard(t *testing.T) {
	kr := keyringtest.New(t)
	path := cachePath(t)
	ctx := t.Context()
	s, err := store.OpenWithKeyring(ctx, path, rpps, kr, opts)
	must(t, err)
	if c, k, _ := s.Keys(); c || !k {
		t.Errorf("Keys of a cache created with the keyring = %v, %v; want false, true", c, k)
	}
	put(t, s, 1, "reçu par e-CPS")
	must(t, s.Check(ctx))
	must(t, s.Close())

	cd := card()
	if _, err := store.Open(path, cd, opts); !errors.Is(err, store.ErrNoCardKey) {
		t.Fatalf("card open of a keyring-only cache: %v, want ErrNoCardKey", err)
	}
	if n := cd.ops.Load(); n != 0 {
		t.Errorf("ErrNoCardKey after %d card operations, want 0", n)
	}
	// The session's answer: open with the keyring, add the card.
	s, err = store.OpenWithKeyring(ctx, path, rpps, kr, opts)
	must(t, err)
	must(t, s.Rekey(cd))
	must(t, s.Close())
	if n := cd.ops.Load(); n != 1 {
		t.Errorf("adding the card key: %d card operations, want 1", n)
	}
	s, err = store.Open(path, cd, opts)
	must(t, err)
	defer s.Close()
	if got := subjects(t, s); len(got) != 1 {
		t.Errorf("card open after Rekey reads %q", got)
	}
	if c, k, _ := s.Keys(); !c || !k {
		t.Errorf("Keys after Rekey = %v, %v; want both", c, k)
	}
}

// TestPSCCacheSecretGone: with the keyring's secret removed (by the user, another OS
// account, another machine), the keyring open is refused; the next card login enrols
// again.
func TestPSCCacheSecretGone(t *testing.T) {
	kr := keyringtest.New(t)
	path := enrolled(t, kr)
	ctx := t.Context()
	must(t, kr.Delete(ctx, rpps))
	if _, err := store.OpenWithKeyring(ctx, path, rpps, kr, opts); !errors.Is(err, store.ErrNotEnrolled) {
		t.Fatalf("keyring open without the secret: %v, want ErrNotEnrolled", err)
	}
	s, err := store.Open(path, card(), opts)
	must(t, err)
	must(t, s.EnrollKeyring(ctx, kr, rpps))
	must(t, s.Close())
	s, err = store.OpenWithKeyring(ctx, path, rpps, kr, opts)
	must(t, err)
	defer s.Close()
	if got := subjects(t, s); len(got) != 1 {
		t.Errorf("after enrolling again: %q", got)
	}
}

// TestPSCCacheWrongSecret: another secret under the holder's account opens nothing, and
// an account is bound to its wrapping (another holder's ID does not open this file).
func TestPSCCacheWrongSecret(t *testing.T) {
	kr := keyringtest.New(t)
	path := enrolled(t, kr)
	ctx := t.Context()
	secret, err := kr.Get(ctx, rpps)
	must(t, err)
	must(t, kr.Set(ctx, "0699901237", secret)) // the same secret under another holder
	if _, err := store.OpenWithKeyring(ctx, path, "0699901237", kr, opts); !errors.Is(err, store.ErrNotEnrolled) {
		t.Errorf("open under another holder's account: %v, want ErrNotEnrolled", err)
	}
	must(t, kr.Set(ctx, rpps, bytes.Repeat([]byte("7"), 64)))
	if _, err := store.OpenWithKeyring(ctx, path, rpps, kr, opts); !errors.Is(err, store.ErrNotEnrolled) {
		t.Errorf("open with another secret: %v, want ErrNotEnrolled", err)
	}
	must(t, kr.Set(ctx, rpps, []byte("short")))
	if _, err := store.OpenWithKeyring(ctx, path, rpps, kr, opts); !errors.Is(err, store.ErrNotEnrolled) {
		t.Errorf("open with a short secret: %v, want ErrNotEnrolled", err)
	}
}

// TestPSCCacheEnrollIsIdempotent: enrolling again (every card login) changes nothing, and
// a renewed card (Rekey) keeps the keyring key.
func TestPSCCacheEnrollIsIdempotent(t *testing.T) {
	kr := keyringtest.New(t)
	path := enrolled(t, kr)
	ctx := t.Context()
	wrapped := func() []byte {
		t.Helper()
		db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
		must(t, err)
		defer db.Close()
		var v []byte
		must(t, db.View(func(tx *bolt.Tx) error {
			v = bytes.Clone(tx.Bucket([]byte("meta")).Get([]byte("oswrapped")))
			return nil
		}))
		return v
	}
	first := wrapped()
	secret, err := kr.Get(ctx, rpps)
	must(t, err)
	s, err := store.Open(path, card(), opts)
	must(t, err)
	must(t, s.EnrollKeyring(ctx, kr, rpps))
	must(t, s.Rekey(renewedCard()))
	must(t, s.Close())
	if again := wrapped(); len(first) == 0 || !bytes.Equal(first, again) {
		t.Errorf("a second enrolment rewrote the wrapping")
	}
	if again, _ := kr.Get(ctx, rpps); !bytes.Equal(again, secret) {
		t.Errorf("a second enrolment replaced the secret")
	}
	if _, err := store.Open(path, card(), opts); !errors.Is(err, store.ErrWrongCard) {
		t.Errorf("the old card after Rekey: %v, want ErrWrongCard", err)
	}
	s, err = store.OpenWithKeyring(ctx, path, rpps, kr, opts)
	must(t, err)
	must(t, s.Close())
}

// TestPSCCacheDisenroll: removing the keyring key leaves the card alone able to open the
// file; it is refused on a file without a card key.
func TestPSCCacheDisenroll(t *testing.T) {
	kr := keyringtest.New(t)
	path := enrolled(t, kr)
	ctx := t.Context()
	s, err := store.Open(path, card(), opts)
	must(t, err)
	must(t, s.DisenrollKeyring(ctx, kr, rpps))
	if c, k, _ := s.Keys(); !c || k {
		t.Errorf("Keys after DisenrollKeyring = %v, %v; want true, false", c, k)
	}
	must(t, s.Check(ctx))
	must(t, s.Close())
	if _, err := kr.Get(ctx, rpps); !errors.Is(err, store.ErrSecretNotFound) {
		t.Errorf("secret after DisenrollKeyring: %v, want ErrSecretNotFound", err)
	}
	if _, err := store.OpenWithKeyring(ctx, path, rpps, kr, opts); !errors.Is(err, store.ErrNotEnrolled) {
		t.Errorf("keyring open after DisenrollKeyring: %v, want ErrNotEnrolled", err)
	}

	other := filepath.Join(t.TempDir(), "psc-only.db")
	s, err = store.OpenWithKeyring(ctx, other, rpps, kr, opts)
	must(t, err)
	defer s.Close()
	if err := s.DisenrollKeyring(ctx, kr, rpps); !errors.Is(err, store.ErrNoCardKey) {
		t.Errorf("DisenrollKeyring of a keyring-only cache: %v, want ErrNoCardKey", err)
	}
}

// TestPSCCacheLockUnlock: Lock wipes the keys whatever opened the file; UnlockWithKeyring
// gets them back, for the holder only.
func TestPSCCacheLockUnlock(t *testing.T) {
	kr := keyringtest.New(t)
	path := enrolled(t, kr)
	ctx := t.Context()
	s, err := store.OpenWithKeyring(ctx, path, rpps, kr, opts)
	must(t, err)
	defer s.Close()
	s.Lock()
	if _, err := s.Page(ref.BAL, ref.Folder, 0, 10); !errors.Is(err, store.ErrSealed) {
		t.Fatalf("Page after Lock: %v, want ErrSealed", err)
	}
	if err := s.UnlockWithKeyring(ctx, kr, "0699901237"); !errors.Is(err, store.ErrNotEnrolled) {
		t.Errorf("unlock under another holder: %v, want ErrNotEnrolled", err)
	}
	must(t, s.UnlockWithKeyring(ctx, kr, rpps))
	if got := subjects(t, s); len(got) != 1 {
		t.Errorf("after UnlockWithKeyring: %q", got)
	}
}

// TestPSCCacheFileHoldsNoKeyringSecret: the secret stays in the OS store; the file holds
// only its wrapping.
func TestPSCCacheFileHoldsNoKeyringSecret(t *testing.T) {
	kr := keyringtest.New(t)
	path := enrolled(t, kr)
	secret, err := kr.Get(t.Context(), rpps)
	must(t, err)
	raw, err := os.ReadFile(path)
	must(t, err)
	if bytes.Contains(raw, secret) || bytes.Contains(raw, secret[:16]) {
		t.Errorf("the cache file contains the keyring secret")
	}
}
