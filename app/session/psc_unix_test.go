//go:build !windows && !darwin

package session_test

import (
	"errors"
	"testing"

	"comptoir/app/session"
	"comptoir/cps/cpstest"
	"comptoir/store"
	"comptoir/store/keyring/keyringtest"
)

// A Secret Service whose collection is locked (screen lock, keyring timeout) is reported as
// such after the e-CPS login, never prompted for.
func TestPSCLockedKeyring(t *testing.T) {
	cfg := config(t)
	ss := keyringtest.StartSecretService(t)
	cfg.Keyring = ss.Keyring
	open(t, cpstest.Titulaire, cfg).Close() // enrols
	ss.Lock(t)
	_, err := session.Open(t.Context(), session.PSCCredential{Session: pscLogin(t, cpstest.Titulaire)}, cfg)
	if !errors.Is(err, store.ErrKeyringUnavailable) {
		t.Fatalf("e-CPS login with the keyring locked: %v, want ErrKeyringUnavailable", err)
	}
}
