package cps_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"comptoir/cps"
	"comptoir/cps/cpstest"
)

// The SoftHSM configuration is read once per process, so every test of the package
// shares one PKI and one token directory, made here.
var (
	pki   *cpstest.PKI
	cards *cpstest.Cards
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "cps-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	// A SOFTHSM2_CONF inherited from the environment (or from the parent of a fuzzing
	// worker) names someone else's tokens.
	os.Unsetenv("SOFTHSM2_CONF")
	start := time.Now()
	if pki, cards, err = cpstest.NewTestCards(dir); err != nil {
		fmt.Fprintln(os.Stderr, "test cards:", err)
		return 1
	}
	if err := os.Setenv("SOFTHSM2_CONF", cards.ConfPath()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "test cards ready in %v\n", time.Since(start).Round(time.Millisecond))
	return m.Run()
}

// openModule opens the SoftHSM module through a fresh fault injector, so a test's locked
// PIN or pulled card does not leak into the next test. The CPS3 card never offers PSS.
func openModule(t testing.TB) (*cps.Module, *cpstest.Faults) {
	t.Helper()
	f := cpstest.NewFaults()
	f.NoPSS(cpstest.PharmacienCPS3.Label)
	m, err := cps.OpenWith(cards.ModulePath(), f.Wrap)
	if err != nil {
		t.Fatal(err)
	}
	return m, f
}

// login logs fx's card in and closes it at the end of the test.
func login(t testing.TB, m *cps.Module, fx cpstest.Fixture) *cps.Card {
	t.Helper()
	c, err := cards.Login(context.Background(), m, fx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
