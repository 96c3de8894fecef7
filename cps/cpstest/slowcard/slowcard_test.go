package slowcard_test

import (
	"crypto"
	"crypto/sha256"
	"os"
	"testing"
	"time"

	"comptoir/cps"
	"comptoir/cps/cpstest"
	"comptoir/cps/cpstest/slowcard"
)

// The module signs through SoftHSM, and each signature takes the delay.
func TestSlowCardSigns(t *testing.T) {
	os.Unsetenv("SOFTHSM2_CONF")
	_, cards, err := cpstest.NewTestCards(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Setenv("SOFTHSM2_CONF", cards.ConfPath()); err != nil {
		t.Fatal(err)
	}
	lib, err := slowcard.Build(t.TempDir(), cards.ModulePath(), 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	m, err := cps.Open(lib)
	if err != nil {
		t.Fatal(err)
	}
	card, err := cards.Login(t.Context(), m, cpstest.Titulaire)
	if err != nil {
		t.Fatal(err)
	}
	defer card.Close()
	digest := sha256.Sum256([]byte("comptoir"))
	start := time.Now()
	if _, err := card.TLSCertificate().PrivateKey.(crypto.Signer).Sign(nil, digest[:], crypto.SHA256); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 200*time.Millisecond {
		t.Fatalf("a signature took %v, want at least the 200 ms delay", took)
	}
}
