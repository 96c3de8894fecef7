package cpstest

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"comptoir/cps"
)

// cardsLayout changes whenever the tokens' content changes, so old token dirs are rebuilt.
const cardsLayout = "comptoir-cards-v1"

// soPIN is the security officer PIN of the test tokens.
const soPIN = "12345678"

// SoftHSMModules are the places Debian and others install the SoftHSM2 PKCS#11 module.
var SoftHSMModules = []string{
	"/usr/lib/softhsm/libsofthsm2.so",
	"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/local/lib/softhsm/libsofthsm2.so",
	"/usr/lib64/pkcs11/libsofthsm2.so",
}

// ErrSoftHSMMissing means SoftHSM2 or OpenSC's pkcs11-tool is not installed.
var ErrSoftHSMMissing = errors.New("softhsm2 introuvable : apt-get install softhsm2 opensc")

// Cards is a SoftHSM2 token directory holding one token per fixture.
type Cards struct {
	dir    string
	module string
	conf   string
	faults *Faults
}

// NewCards builds (or reuses, when dir already holds them for this PKI) the test cards in
// dir: a private softhsm2.conf and token directory, one token per Fixture with the CPS
// objects: CPS_PRIV_AUT/CPS_PRIV_SIG keys, their certificates with the CPS labels, the
// PERSONNES CA certificate, the public CPS_ID_CARD, CPS_NAME_PS, CPS_INFO_PS and the
// private CPS_ACTIVITY_xx_PS objects. Tokens are written with softhsm2-util and OpenSC's
// pkcs11-tool (the fixture PINs pass on their command lines: test values only).
func NewCards(dir string, pki *PKI) (*Cards, error) {
	module, err := softHSMModule()
	if err != nil {
		return nil, err
	}
	for _, tool := range []string{"softhsm2-util", "pkcs11-tool"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("cpstest: %s: %w", tool, ErrSoftHSMMissing)
		}
	}
	c := &Cards{
		dir:    dir,
		module: module,
		conf:   filepath.Join(dir, "softhsm2.conf"),
		faults: NewFaults(),
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
	work, err := os.MkdirTemp(dir, "work-")
	if err != nil {
		return nil, fmt.Errorf("cpstest: work dir: %w", err)
	}
	defer os.RemoveAll(work)
	// Tokens are initialised one by one ("--free" takes the first blank slot), then
	// filled in parallel: each tool run mostly waits on SoftHSM's files.
	fixtures := Fixtures()
	for _, f := range fixtures {
		if _, err := c.tool("softhsm2-util", "--init-token", "--free", "--label", f.Label, "--so-pin", soPIN, "--pin", f.PIN); err != nil {
			return nil, err
		}
	}
	errs := make([]error, len(fixtures))
	var wg sync.WaitGroup
	for i, f := range fixtures {
		wg.Go(func() {
			errs[i] = c.fillToken(f, pki, filepath.Join(work, fmt.Sprint(i)))
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
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
	switch cur := os.Getenv("SOFTHSM2_CONF"); cur {
	case c.conf:
	case "":
		if err := os.Setenv("SOFTHSM2_CONF", c.conf); err != nil {
			return nil, fmt.Errorf("cpstest: set SOFTHSM2_CONF: %w", err)
		}
	default:
		return nil, fmt.Errorf("cpstest: SOFTHSM2_CONF is %s, want %s (one SoftHSM configuration per process)", cur, c.conf)
	}
	return cps.OpenWith(c.module, c.faults.Wrap)
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

func softHSMModule() (string, error) {
	for _, p := range SoftHSMModules {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("cpstest: module not in %s: %w", strings.Join(SoftHSMModules, ", "), ErrSoftHSMMissing)
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

// fillToken writes the objects of f into its initialised token.
func (c *Cards) fillToken(f Fixture, pki *PKI, work string) error {
	if err := os.Mkdir(work, 0o700); err != nil {
		return fmt.Errorf("cpstest: work dir: %w", err)
	}
	authCert, authKey, err := pki.IssuePerson(f.Person)
	if err != nil {
		return err
	}
	signCert, signKey, err := pki.IssuePersonSignature(f.Person)
	if err != nil {
		return err
	}
	files := map[string][]byte{}
	put := func(name string, b []byte) string {
		p := filepath.Join(work, name)
		files[p] = b
		return p
	}
	keyPEM := func(k *rsa.PrivateKey) []byte {
		der, _ := x509.MarshalPKCS8PrivateKey(k) // cannot fail for an RSA key
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	autKeyFile := put("aut.key.pem", keyPEM(authKey))
	sigKeyFile := put("sig.key.pem", keyPEM(signKey))
	autCertFile := put("aut.der", authCert.Raw)
	sigCertFile := put("sig.der", signCert.Raw)
	caFile := put("ca.der", pki.Personnes().Raw)
	type dataObject struct {
		label   string
		private bool
		file    string
	}
	data := []dataObject{
		{cps.LabelIDCard, false, put("id", []byte(f.NationalID))},
		{cps.LabelNamePS, false, put("name", []byte(f.Surname+" "+f.GivenName))},
		{cps.LabelInfoPS, false, put("info", []byte("00"+f.Specialty))},
	}
	for i, s := range f.Situations {
		data = append(data, dataObject{fmt.Sprintf("CPS_ACTIVITY_%02d_PS", i+1), true, put(fmt.Sprintf("act%02d", i+1), ActivityTLV(s))})
	}
	for p, b := range files {
		if err := os.WriteFile(p, b, 0o600); err != nil {
			return fmt.Errorf("cpstest: write %s: %w", p, err)
		}
	}
	defer func() {
		for p := range files {
			os.Remove(p)
		}
	}()

	for _, k := range []struct{ file, label, id string }{
		{autKeyFile, cps.LabelAuthKey, "01"},
		{sigKeyFile, cps.LabelSignKey, "02"},
	} {
		if _, err := c.tool("softhsm2-util", "--import", k.file, "--token", f.Label, "--label", k.label, "--id", k.id, "--pin", f.PIN); err != nil {
			return err
		}
	}
	p11 := func(args ...string) error {
		base := []string{"--module", c.module, "--token-label", f.Label, "--login", "--pin", f.PIN}
		_, err := c.tool("pkcs11-tool", append(base, args...)...)
		return err
	}
	for _, o := range []struct{ file, label, id string }{
		{autCertFile, cps.LabelAuthCert, "01"},
		{sigCertFile, cps.LabelSignCert, "02"},
		{caFile, PersonnesName, "a0"},
	} {
		if err := p11("--write-object", o.file, "--type", "cert", "--label", o.label, "--id", o.id); err != nil {
			return err
		}
	}
	for _, d := range data {
		args := []string{"--write-object", d.file, "--type", "data", "--label", d.label}
		if d.private {
			args = append(args, "--private")
		}
		if err := p11(args...); err != nil {
			return err
		}
	}
	return nil
}

// tool runs a SoftHSM/OpenSC command on these cards' configuration.
func (c *Cards) tool(name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "SOFTHSM2_CONF="+c.conf)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("cpstest: %s %s: %w: %s", name, args[0], err, strings.TrimSpace(out.String()))
	}
	return out.Bytes(), nil
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
