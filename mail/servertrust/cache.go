package servertrust

import (
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
)

// cachePath is the file of one issuer's last valid CRL.
func (s *crlStore) cachePath(key string) string { return filepath.Join(s.dir, key+".crl") }

// load reads issuer's cached CRL; a missing, damaged or foreign file is ignored.
func (s *crlStore) load(key string, issuer *x509.Certificate) *x509.RevocationList {
	if s.dir == "" {
		return nil
	}
	data, err := os.ReadFile(s.cachePath(key))
	if err != nil {
		return nil
	}
	rl, err := parseCRL(data)
	if err != nil || issuedBy(rl, issuer) != nil {
		s.log.Warn("cached CRL ignored", "file", s.cachePath(key), "err", err)
		return nil
	}
	return rl
}

// save replaces issuer's cached CRL through a temporary file, so a crash leaves the
// previous one.
func (s *crlStore) save(key string, der []byte) error {
	if s.dir == "" {
		return nil
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return fmt.Errorf("servertrust: CRL cache: %w", err)
	}
	f, err := os.CreateTemp(s.dir, ".crl-*")
	if err != nil {
		return fmt.Errorf("servertrust: CRL cache: %w", err)
	}
	_, err = f.Write(der)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), s.cachePath(key))
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("servertrust: CRL cache: %w", err)
	}
	return nil
}
