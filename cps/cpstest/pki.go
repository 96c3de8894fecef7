package cpstest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Names of the test IGC-Santé certification authorities.
const (
	RootName          = "TEST AC RACINE IGC-SANTE ELEMENTAIRE"
	PersonnesName     = "TEST AC IGC-SANTE ELEMENTAIRE PERSONNES"
	OrganisationsName = "TEST AC IGC-SANTE ELEMENTAIRE ORGANISATIONS"
)

// keyBits is the RSA size of every generated key: 2048 keeps key generation and
// SoftHSM signatures fast while matching real cards.
const keyBits = 2048

// PKI is a test IGC-Santé: one root and two intermediates, persisted in a directory.
// Its methods are safe for concurrent use.
type PKI struct {
	dir string

	keyMu sync.Mutex // guards the key files

	mu            sync.Mutex                   // guards state, issuing and reissued
	reissued      map[string]*x509.Certificate // intermediates with CRL distribution points, by CA and base
	root          *authority
	personnes     *authority
	organisations *authority
	state         pkiState
}

// authority is one CA of the PKI.
type authority struct {
	file string // file stem in the PKI directory
	cert *x509.Certificate
	key  *rsa.PrivateKey
}

// pkiState is what changes after creation: the issuer of each certificate and the
// revocations. It is saved as state.json.
type pkiState struct {
	CRLNumber int64             `json:"crl_number"`
	Issuer    map[string]string `json:"issuer"` // serial (hex) -> authority file stem
	Revoked   []revocation      `json:"revoked"`
}

type revocation struct {
	Serial string    `json:"serial"` // hex
	CA     string    `json:"ca"`
	At     time.Time `json:"at"`
}

// NewPKI loads the PKI saved in dir, or creates it (and dir) when dir holds none.
func NewPKI(dir string) (*PKI, error) {
	if err := os.MkdirAll(filepath.Join(dir, "keys"), 0o700); err != nil {
		return nil, fmt.Errorf("cpstest: pki dir: %w", err)
	}
	p := &PKI{dir: dir, state: pkiState{CRLNumber: 1, Issuer: map[string]string{}}}
	if err := p.loadState(); err != nil {
		return nil, err
	}
	var err error
	p.root, err = p.loadOrCreateCA("root", RootName, nil)
	if err != nil {
		return nil, err
	}
	p.personnes, err = p.loadOrCreateCA("personnes", PersonnesName, p.root)
	if err != nil {
		return nil, err
	}
	p.organisations, err = p.loadOrCreateCA("organisations", OrganisationsName, p.root)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Dir returns the directory the PKI is saved in.
func (p *PKI) Dir() string { return p.dir }

// RootPEM returns the root certificate in PEM.
func (p *PKI) RootPEM() []byte { return certPEM(p.root.cert) }

// CAPEM returns the root and both intermediates in PEM, the bundle a server needs to
// verify client certificates (e.g. Dovecot's ssl_ca).
func (p *PKI) CAPEM() []byte {
	var out []byte
	for _, a := range []*authority{p.root, p.personnes, p.organisations} {
		out = append(out, certPEM(a.cert)...)
	}
	return out
}

// Root returns the root certificate.
func (p *PKI) Root() *x509.Certificate { return p.root.cert }

// Personnes returns the intermediate that issues the cards' certificates.
func (p *PKI) Personnes() *x509.Certificate { return p.personnes.cert }

// Organisations returns the intermediate that issues server and software certificates.
func (p *PKI) Organisations() *x509.Certificate { return p.organisations.cert }

// RootPool returns a pool holding only the root.
func (p *PKI) RootPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.root.cert)
	return pool
}

// IntermediatePool returns a pool holding both intermediates.
func (p *PKI) IntermediatePool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.personnes.cert)
	pool.AddCert(p.organisations.cert)
	return pool
}

func (p *PKI) loadOrCreateCA(file, cn string, parent *authority) (*authority, error) {
	key, err := p.key("ca-" + file)
	if err != nil {
		return nil, err
	}
	a := &authority{file: file, key: key}
	certPath := filepath.Join(p.dir, file+".crt.pem")
	if b, err := os.ReadFile(certPath); err == nil {
		cert, err := parseCertPEM(b)
		if err != nil {
			return nil, fmt.Errorf("cpstest: %s: %w", certPath, err)
		}
		a.cert = cert
		return a, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("cpstest: read %s: %w", certPath, err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          newSerial(),
		RawSubject:            caName(cn),
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(20, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	issuerCert, issuerKey := tmpl, key
	if parent != nil {
		tmpl.NotAfter = now.AddDate(10, 0, 0)
		tmpl.MaxPathLen = 0
		tmpl.MaxPathLenZero = true
		issuerCert, issuerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuerCert, &key.PublicKey, issuerKey)
	if err != nil {
		return nil, fmt.Errorf("cpstest: create %s: %w", cn, err)
	}
	a.cert, _ = x509.ParseCertificate(der)
	if err := writeFile(certPath, certPEM(a.cert)); err != nil {
		return nil, err
	}
	return a, nil
}

// caName is the DER subject of a test CA: C=FR, O=ASIP-SANTE, OU=0002 187512751,
// OU=IGC-SANTE TEST, CN=<cn>, each in its own RDN (pkix.Name would merge the two OUs
// into one multi-valued RDN).
func caName(cn string) []byte {
	rdn := func(t asn1.ObjectIdentifier, v string) pkix.RelativeDistinguishedNameSET {
		return pkix.RelativeDistinguishedNameSET{{Type: t, Value: v}}
	}
	der, _ := asn1.Marshal(pkix.RDNSequence{
		rdn(oidCountry, "FR"),
		rdn(oidOrg, "ASIP-SANTE"),
		rdn(oidOrgUnit, "0002 187512751"),
		rdn(oidOrgUnit, "IGC-SANTE TEST"),
		rdn(oidCommonName, cn),
	}) // cannot fail: fixed printable strings
	return der
}

// key returns the cached RSA key called name, generating and saving it the first time.
// Generation runs outside any lock so cards are made in parallel; p.keyMu only guards
// the files.
func (p *PKI) key(name string) (*rsa.PrivateKey, error) {
	path := filepath.Join(p.dir, "keys", name+".key.pem")
	if k, err := p.readKey(path); k != nil || err != nil {
		return k, err
	}
	var k *rsa.PrivateKey
	pooled := ""
	if pool := keyPool(); pool != "" {
		pooled = filepath.Join(pool, name+".key.pem")
		k, _ = p.readKey(pooled) // a bad pool entry is simply regenerated
	}
	if k == nil {
		var err error
		if k, err = rsa.GenerateKey(rand.Reader, keyBits); err != nil {
			return nil, fmt.Errorf("cpstest: generate key %s: %w", name, err)
		}
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("cpstest: marshal key %s: %w", name, err)
	}
	encoded := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	p.keyMu.Lock()
	defer p.keyMu.Unlock()
	if _, err := os.Stat(path); err == nil {
		return p.readKeyLocked(path) // made concurrently by another caller: keep theirs
	}
	if err := writeFile(path, encoded); err != nil {
		return nil, err
	}
	if pooled != "" {
		if err := os.MkdirAll(filepath.Dir(pooled), 0o700); err == nil {
			_ = writeFile(pooled, encoded) // the pool only saves time
		}
	}
	return k, nil
}

// keyPool is a directory of test keys shared by every PKI of this user (in the user
// cache dir; the test scripts point it at a per-run temporary dir): RSA key generation
// dominates the set-up time of each test package, all the more under -race. Sharing keys
// between test PKIs is harmless: each PKI still issues its own certificates.
func keyPool() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "comptoir", "cpstest-keys")
}

// readKey loads a cached key; nil and no error when there is none.
func (p *PKI) readKey(path string) (*rsa.PrivateKey, error) {
	p.keyMu.Lock()
	defer p.keyMu.Unlock()
	return p.readKeyLocked(path)
}

func (p *PKI) readKeyLocked(path string) (*rsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cpstest: read %s: %w", path, err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("cpstest: %s: no PEM block", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("cpstest: %s: %w", path, err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("cpstest: %s: not an RSA key", path)
	}
	return rk, nil
}

func (p *PKI) loadState() error {
	path := filepath.Join(p.dir, "state.json")
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cpstest: read %s: %w", path, err)
	}
	if err := json.Unmarshal(b, &p.state); err != nil {
		return fmt.Errorf("cpstest: %s: %w", path, err)
	}
	if p.state.Issuer == nil {
		p.state.Issuer = map[string]string{}
	}
	return nil
}

// saveState writes state.json; the caller holds p.mu.
func (p *PKI) saveState() error {
	b, err := json.MarshalIndent(p.state, "", "  ")
	if err != nil {
		return fmt.Errorf("cpstest: encode state: %w", err)
	}
	return writeFile(filepath.Join(p.dir, "state.json"), b)
}

// writeFile replaces path atomically so a crash never leaves half a key.
func writeFile(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("cpstest: write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("cpstest: write %s: %w", path, err)
	}
	return nil
}

func certPEM(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

func parseCertPEM(b []byte) (*x509.Certificate, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "CERTIFICATE" {
		return nil, errors.New("no CERTIFICATE PEM block")
	}
	return x509.ParseCertificate(blk.Bytes)
}

func newSerial() *big.Int {
	// 127 random bits: positive and within RFC 5280's 20 octets.
	var b [16]byte
	rand.Read(b[:]) // never fails since Go 1.24
	b[0] &= 0x7f
	b[0] |= 0x40 // never zero
	return new(big.Int).SetBytes(b[:])
}
