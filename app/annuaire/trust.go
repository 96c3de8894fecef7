package annuaire

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"comptoir/mail/msg"
)

// maxTrustListBytes bounds a downloaded list (the real one is far smaller).
const maxTrustListBytes = 32 << 20

// ErrInsecureURL is returned for a trust-list URL that is not HTTPS.
var ErrInsecureURL = errors.New("annuaire: the trust-space list must be fetched over HTTPS")

// TrustFetchOptions tune RefreshTrustList.
type TrustFetchOptions struct {
	// TLSConfig verifies the server (e.g. RootCAs); nil uses the system roots. TLS 1.2 is
	// the minimum whatever it says.
	TLSConfig *tls.Config
	// Timeout bounds the download (default 30 s).
	Timeout time.Duration
}

// LoadTrustList reads the stored trust-space list (listeblanchemssante.xml) at path.
func LoadTrustList(path string) (*msg.TrustList, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("annuaire: trust-space list: %w", err)
	}
	t, err := msg.LoadTrustList(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("annuaire: trust-space list %s: %w", path, err)
	}
	return t, nil
}

// RefreshTrustList reads listeblanchemssante.xml from src (a file path or an https:// URL),
// checks that it parses and lists domains, then stores it at dst (atomically: a bad or
// interrupted download leaves the stored list untouched). The parser is the one of
// mail/msg: //Domaine/Nom in namespace https://listeblanche.mssante.fr/schema.
func RefreshTrustList(ctx context.Context, src, dst string, opts TrustFetchOptions) (*msg.TrustList, error) {
	var (
		data []byte
		err  error
	)
	switch {
	case strings.HasPrefix(src, "https://"):
		data, err = fetch(ctx, src, opts)
	case strings.Contains(src, "://"):
		return nil, fmt.Errorf("%w: %s", ErrInsecureURL, src)
	default:
		data, err = readLimited(src)
	}
	if err != nil {
		return nil, err
	}
	t, err := msg.LoadTrustList(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("annuaire: trust-space list from %s: %w", src, err)
	}
	if err := writeAtomic(dst, data); err != nil {
		return nil, err
	}
	return t, nil
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("annuaire: trust-space list: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxTrustListBytes+1))
	if err != nil {
		return nil, fmt.Errorf("annuaire: read %s: %w", path, err)
	}
	if len(data) > maxTrustListBytes {
		return nil, fmt.Errorf("annuaire: %s: trust-space list too large", path)
	}
	return data, nil
}

func fetch(ctx context.Context, url string, opts TrustFetchOptions) ([]byte, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	var buf bytes.Buffer
	err := download(ctx, url, opts.TLSConfig, opts.Timeout, maxTrustListBytes, "trust-space list",
		func(int64) io.Writer { return &buf })
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeAtomic writes data to path through a synced temporary file renamed over it.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("annuaire: create %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".annuaire-list-*")
	if err != nil {
		return fmt.Errorf("annuaire: temporary file in %s: %w", dir, err)
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
		return fmt.Errorf("annuaire: write %s: %w", path, err)
	}
	syncDir(dir)
	return nil
}
