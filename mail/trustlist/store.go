package trustlist

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"comptoir/mail/msg"
	"comptoir/store"
)

// DefaultPath is where the list is stored: store.DataDir()/listeblanchemssante.xml.
func DefaultPath() (string, error) {
	dir, err := store.DataDir()
	if err != nil {
		return "", fmt.Errorf("trustlist: data directory: %w", err)
	}
	return filepath.Join(dir, "listeblanchemssante.xml"), nil
}

// sidecar is what is recorded beside a stored list (<list>.json): the checksum an
// unsigned list matched, and enough to refuse an older list and show where it came from.
type sidecar struct {
	Source    string    `json:"source"`
	Signed    bool      `json:"signed"`
	SHA256    string    `json:"sha256"`
	Checksum  string    `json:"checksum,omitempty"`
	Generated time.Time `json:"generated"`
	Stored    time.Time `json:"stored"`
}

func sidecarPath(list string) string { return list + ".json" }

func readSidecar(list string) (sidecar, error) {
	var sc sidecar
	b, err := os.ReadFile(sidecarPath(list))
	if err != nil {
		return sc, err
	}
	if err := json.Unmarshal(b, &sc); err != nil {
		return sc, fmt.Errorf("trustlist: %s: %w", sidecarPath(list), err)
	}
	return sc, nil
}

// Load reads the list stored at path by Refresh and verifies it again: the signature of
// a signed list, the recorded checksum of an unsigned one.
func Load(path string, opts Options) (*List, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("trustlist: %w", err)
	}
	data, err := readAll(f, maxListBytes, path)
	f.Close()
	if err != nil {
		return nil, err
	}
	sc, _ := readSidecar(path) // none: only a signed list can be trusted
	if sc.Source == "" {
		sc.Source = path
	}
	l, err := fromBytes(data, sc, opts)
	if err != nil {
		return nil, fmt.Errorf("trustlist: stored list %s: %w", path, err)
	}
	return l, nil
}

// save writes data and its sidecar, each through a synced temporary file renamed over
// the old one; the list goes first, so a crash leaves at worst a new list with the old
// sidecar, which Load verifies on its own terms.
func save(path string, data []byte, l *List) error {
	sc, err := json.MarshalIndent(sidecar{Source: l.Source, Signed: l.Signed, SHA256: l.SHA256, Checksum: l.Checksum,
		Generated: l.Generated, Stored: time.Now().UTC()}, "", "  ")
	if err != nil {
		return fmt.Errorf("trustlist: %w", err)
	}
	if err := writeAtomic(path, data); err != nil {
		return err
	}
	return writeAtomic(sidecarPath(path), sc)
}

func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("trustlist: create %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".listeblanche-*")
	if err != nil {
		return fmt.Errorf("trustlist: temporary file in %s: %w", dir, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("trustlist: write %s: %w", path, err)
	}
	return nil
}

// LoadDomains is Load with the trust store's roots, returning the domains: what the
// application hands to msg.Build.
func LoadDomains(path string, roots *x509.CertPool) (*msg.TrustList, error) {
	l, err := Load(path, Options{Roots: roots})
	if err != nil {
		return nil, err
	}
	return l.Domains, nil
}

// StoredInfo is what Refresh recorded beside a stored list, for display (the settings
// screen, the diagnostic) without the cost of Load; it is not verified.
type StoredInfo struct {
	Generated time.Time // DateDeGeneration
	Signed    bool
	Source    string
	Stored    time.Time // when Refresh stored it
}

// Stored reads the record Refresh wrote beside the list at path.
func Stored(path string) (StoredInfo, error) {
	sc, err := readSidecar(path)
	if err != nil {
		return StoredInfo{}, err
	}
	return StoredInfo{Generated: sc.Generated, Signed: sc.Signed, Source: sc.Source, Stored: sc.Stored}, nil
}
