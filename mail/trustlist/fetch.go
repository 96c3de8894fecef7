package trustlist

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// Source is where a list comes from: an https:// URL or a file, and, for an unsigned
// list, where the SHA-256 published beside it is (URL or file; empty for a signed list).
type Source struct {
	List     string
	Checksum string
}

// OfficialSource is the signed list of the trust-space site.
func OfficialSource() Source { return Source{List: OfficialURL} }

// ANSRepositorySource is the unsigned copy in the ANS repository with its checksum.
func ANSRepositorySource() Source {
	return Source{List: ANSRepositoryURL, Checksum: ANSRepositoryChecksumURL}
}

// read returns the bytes at src (https:// URL or file), at most limit.
func read(ctx context.Context, src string, limit int64, opts Options) ([]byte, error) {
	switch {
	case strings.HasPrefix(src, "https://"):
		return download(ctx, src, limit, opts)
	case strings.Contains(src, "://"):
		return nil, fmt.Errorf("%w: %s", ErrInsecureURL, src)
	}
	f, err := os.Open(src)
	if err != nil {
		return nil, fmt.Errorf("trustlist: %w", err)
	}
	defer f.Close()
	return readAll(f, limit, src)
}

func readAll(r io.Reader, limit int64, what string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("trustlist: read %s: %w", what, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrMalformed, what, limit)
	}
	return data, nil
}

// download GETs url over TLS ≥ 1.2, following redirects only to https.
func download(ctx context.Context, url string, limit int64, opts Options) ([]byte, error) {
	cfg := &tls.Config{}
	if opts.TLSConfig != nil {
		cfg = opts.TLSConfig.Clone()
	}
	if cfg.MinVersion < tls.VersionTLS12 {
		cfg.MinVersion = tls.VersionTLS12
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = cfg
	client := &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Scheme != "https" {
				return fmt.Errorf("%w: to %s", ErrRedirect, req.URL.Redacted())
			}
			if len(via) >= 5 {
				return fmt.Errorf("%w: too many redirects", ErrRedirect)
			}
			return nil
		}}
	defer client.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("trustlist: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("trustlist: download %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("trustlist: download %s: HTTP %s", url, resp.Status)
	}
	return readAll(resp.Body, limit, url)
}

// Refresh reads the list at src, verifies it (Verify, with the checksum at src.Checksum
// for an unsigned list), refuses one older than the list stored at dst, and stores it at
// dst atomically with its sidecar. On any error dst is left as it was.
func Refresh(ctx context.Context, src Source, dst string, opts Options) (*List, error) {
	data, err := read(ctx, src.List, maxListBytes, opts)
	if err != nil {
		return nil, err
	}
	var checksum string
	if src.Checksum != "" {
		b, err := read(ctx, src.Checksum, 4096, opts)
		if err != nil {
			return nil, err
		}
		checksum = string(b)
	}
	l, err := Verify(data, checksum, opts)
	if err != nil {
		return nil, err
	}
	l.Source = src.List
	if prev, err := readSidecar(dst); err == nil && l.Generated.Before(prev.Generated) {
		return nil, fmt.Errorf("%w: generated %s, stored %s", ErrOlder, l.Generated.UTC().Format(time.RFC3339),
			prev.Generated.UTC().Format(time.RFC3339))
	}
	if err := save(dst, data, l); err != nil {
		return nil, err
	}
	return l, nil
}

// fromBytes is Verify for data already read (Load).
func fromBytes(data []byte, sc sidecar, opts Options) (*List, error) {
	l, err := Verify(data, sc.Checksum, opts)
	if err != nil {
		return nil, err
	}
	l.Source = sc.Source
	return l, nil
}
