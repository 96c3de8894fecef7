package cpstest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"comptoir/cps"

	"github.com/miekg/pkcs11"
)

// cardsLayout changes whenever the tokens' content changes, so old token dirs are rebuilt.
const cardsLayout = "comptoir-cards-v1"

// soPIN is the security officer PIN of the test tokens.
const soPIN = "12345678"

// softHSMPaths are the places Debian and others install the SoftHSM2 PKCS#11 module.
func softHSMPaths() []string {
	return []string{
		"/usr/lib/softhsm/libsofthsm2.so",
		"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
		"/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
		"/usr/local/lib/softhsm/libsofthsm2.so",
		"/usr/lib64/pkcs11/libsofthsm2.so",
	}
}

// ErrSoftHSMMissing means SoftHSM2 is not installed.
var ErrSoftHSMMissing = errors.New("softhsm2 introuvable : apt-get install softhsm2")

// Cards is a SoftHSM2 token directory holding one token per fixture.
type Cards struct {
	dir    string
	module string
	conf   string
	faults *Faults
	pki    *PKI
}

// NewCards builds (or reuses, when dir already holds them for this PKI) the test cards in
// dir: a private softhsm2.conf and token directory, one token per Fixture with the CPS
// objects: CPS_PRIV_AUT/CPS_PRIV_SIG keys, their certificates with the CPS labels, the
// PERSONNES CA certificate, the public CPS_ID_CARD, CPS_NAME_PS, CPS_INFO_PS and the
// private CPS_ACTIVITY_xx_PS objects.
//
// The tokens are written through PKCS#11 in this process (C_InitToken, C_InitPIN,
// C_CreateObject), so NewCards sets SOFTHSM2_CONF to ConfPath when it is unset, and fails
// when it names another configuration or the module was loaded with another one.
func NewCards(dir string, pki *PKI) (*Cards, error) {
	module, err := findSoftHSM(softHSMPaths())
	if err != nil {
		return nil, err
	}
	c := &Cards{
		dir:    dir,
		module: module,
		conf:   filepath.Join(dir, "softhsm2.conf"),
		faults: NewFaults(),
		pki:    pki,
	}
	for _, f := range Fixtures() {
		if f.NoPSS {
			c.faults.NoPSS(f.Label)
		}
	}
	tokens := filepath.Join(dir, "tokens")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cpstest: cards dir: %w", err)
	}
	conf := fmt.Sprintf("directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = true\n", tokens)
	if err := writeFile(c.conf, []byte(conf)); err != nil {
		return nil, err
	}
	stamp := filepath.Join(dir, "cards.stamp")
	want := cardsStamp(pki)
	if got, err := os.ReadFile(stamp); err == nil && string(got) == want {
		return c, nil
	}
	if err := os.RemoveAll(tokens); err != nil {
		return nil, fmt.Errorf("cpstest: reset tokens: %w", err)
	}
	if err := os.MkdirAll(tokens, 0o700); err != nil {
		return nil, fmt.Errorf("cpstest: tokens dir: %w", err)
	}
	if err := c.setenv(); err != nil {
		return nil, err
	}
	// Generate the cards' keys in parallel before issuing (key generation dominates).
	var wg sync.WaitGroup
	for _, f := range Fixtures() {
		for _, use := range []string{"aut", "sig"} {
			wg.Go(func() { _, _ = pki.key("person-" + f.NationalID + "-" + use) })
		}
	}
	wg.Wait()
	p11, err := cps.Context(module)
	if err != nil {
		return nil, fmt.Errorf("cpstest: load SoftHSM2: %w", err)
	}
	// The token dir was just emptied: a module showing initialised tokens was loaded
	// earlier in this process with another configuration, and would write elsewhere.
	if _, err := findSlot(p11, func(ti pkcs11.TokenInfo) bool { return ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED != 0 }); err == nil {
		return nil, fmt.Errorf("cpstest: SoftHSM2 was loaded in this process before SOFTHSM2_CONF named %s", c.conf)
	}
	for _, f := range Fixtures() {
		if err := writeToken(p11, f, pki); err != nil {
			return nil, err
		}
	}
	if err := writeFile(stamp, []byte(want)); err != nil {
		return nil, err
	}
	return c, nil
}

// ModulePath returns the SoftHSM2 PKCS#11 module.
func (c *Cards) ModulePath() string { return c.module }

// ConfPath returns the softhsm2.conf of these cards: SOFTHSM2_CONF must name it before
// the module is first loaded in the process.
func (c *Cards) ConfPath() string { return c.conf }

// Dir returns the cards' directory.
func (c *Cards) Dir() string { return c.dir }

// Faults returns the fault injector Open wraps the module with.
func (c *Cards) Faults() *Faults { return c.faults }

// Open loads the SoftHSM2 module through Faults (the CPS3 card then offers no RSA-PSS,
// PINs lock after three wrong tries, cards can be pulled). It sets SOFTHSM2_CONF when
// unset, and fails when it names another configuration: SoftHSM reads it once per process.
func (c *Cards) Open() (*cps.Module, error) {
	if err := c.setenv(); err != nil {
		return nil, err
	}
	return cps.OpenWith(c.module, c.faults.Wrap)
}

// setenv points SOFTHSM2_CONF at these cards, or fails when it names another
// configuration: SoftHSM reads it once, when the process first loads the module.
func (c *Cards) setenv() error {
	switch cur := os.Getenv("SOFTHSM2_CONF"); cur {
	case c.conf:
		return nil
	case "":
		if err := os.Setenv("SOFTHSM2_CONF", c.conf); err != nil {
			return fmt.Errorf("cpstest: set SOFTHSM2_CONF: %w", err)
		}
		return nil
	default:
		return fmt.Errorf("cpstest: SOFTHSM2_CONF is %s, want %s (one SoftHSM configuration per process)", cur, c.conf)
	}
}

// Slot returns the slot of the card labelled label in m.
func (c *Cards) Slot(ctx context.Context, m *cps.Module, label string) (uint, error) {
	readers, err := m.Readers(ctx)
	if err != nil {
		return 0, err
	}
	for _, r := range readers {
		if r.CardPresent && r.Label == label {
			return r.Slot, nil
		}
	}
	return 0, fmt.Errorf("cpstest: no card %q in the readers", label)
}

// Login logs fx's card in on m with its PIN; the caller closes the card.
func (c *Cards) Login(ctx context.Context, m *cps.Module, fx Fixture) (*cps.Card, error) {
	slot, err := c.Slot(ctx, m, fx.Label)
	if err != nil {
		return nil, err
	}
	card, err := m.Login(ctx, slot, []byte(fx.PIN))
	if err != nil {
		return nil, fmt.Errorf("cpstest: login %s: %w", fx.Label, err)
	}
	return card, nil
}

// NewTestCards builds a test PKI in dir/pki and the cards chaining to it in dir/cards:
// the set-up of a test process (SoftHSM reads its configuration once per process, so
// SOFTHSM2_CONF must be unset or name dir/cards' configuration).
func NewTestCards(dir string) (*PKI, *Cards, error) {
	pki, err := NewPKI(filepath.Join(dir, "pki"))
	if err != nil {
		return nil, nil, err
	}
	cards, err := NewCards(filepath.Join(dir, "cards"), pki)
	if err != nil {
		return nil, nil, err
	}
	return pki, cards, nil
}

// findSoftHSM returns the first of paths that exists; a missing SoftHSM is an error
// saying what to install, never a reason to skip a test.
func findSoftHSM(paths []string) (string, error) {
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("cpstest: SoftHSM2 module not in %s: %w", strings.Join(paths, ", "), ErrSoftHSMMissing)
}

// cardsStamp identifies the tokens' content: the PKI they chain to and the fixtures.
func cardsStamp(pki *PKI) string {
	h := sha256.New()
	h.Write([]byte(cardsLayout))
	h.Write(pki.Root().Raw)
	h.Write(pki.Personnes().Raw)
	b, _ := json.Marshal(Fixtures())
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// ActivityTLV encodes a situation as a CPS_ACTIVITY_xx_PS value: a 0xEE container with
// 0x84 (name), 0x85 (structure id type digit + id) and 0x86 (sector).
func ActivityTLV(s Situation) []byte {
	var body []byte
	body = appendTLV(body, 0x84, []byte(s.StructureName))
	body = appendTLV(body, 0x85, []byte(fmt.Sprintf("%d%s", s.StructureIDType, s.StructureID)))
	body = appendTLV(body, 0x86, []byte(s.Sector))
	return appendTLV(nil, 0xEE, body)
}

func appendTLV(b []byte, tag byte, v []byte) []byte {
	b = append(b, tag)
	switch n := len(v); {
	case n < 0x80:
		b = append(b, byte(n))
	case n < 0x100:
		b = append(b, 0x81, byte(n))
	default:
		b = append(b, 0x82, byte(n>>8), byte(n))
	}
	return append(b, v...)
}
