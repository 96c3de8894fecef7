//go:build !windows && !darwin

package demo_test

import (
	"regexp"
	"testing"

	"comptoir/cps/cpstest"
	"comptoir/store"
	"comptoir/store/keyring/keyringtest"
)

// privateKeyring is a real OS secret store of the test's own, and where it keeps its files.
type privateKeyring struct {
	Keyring store.Keyring
	// Dir holds the store's files ("" when they are not the test's own); FileSuffix names
	// those a token scan must read ("" when none is known).
	Dir, FileSuffix string
	lock            func(testing.TB)
}

// newPrivateKeyring starts a private Secret Service (its own D-Bus bus and
// gnome-keyring-daemon, whose files are under the bus socket's directory).
func newPrivateKeyring(t *testing.T) *privateKeyring {
	t.Helper()
	ss := keyringtest.StartSecretService(t)
	m := regexp.MustCompile(`unix:path=([^,]+)/bus`).FindStringSubmatch(ss.Address)
	if m == nil {
		t.Fatalf("unexpected bus address %q", ss.Address)
	}
	return &privateKeyring{Keyring: ss.Keyring, Dir: m[1], FileSuffix: ".keyring", lock: ss.Lock}
}

// The keyring locked between the card login and the e-CPS approval (screen lock, keyring
// timeout): the cache cannot open, and the screen says so.
func TestPSCLoginWithTheKeyringLocked(t *testing.T) {
	kr := newPrivateKeyring(t)
	r := newPSCRig(t, kr, t.TempDir(), nil)
	r.enrol(cpstest.Titulaire)
	kr.lock(t)
	r.startECPS(cpstest.Titulaire)
	r.waitPhone()
	r.demoMenu(textApprove)
	r.h.WaitText("Le trousseau de mots de passe de votre session est inaccessible ou verrouillé")
	if r.h.UI.Main != nil {
		t.Fatal("the mail opened with the keyring locked")
	}
}
