package annuaire

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ErrInsecureURL is returned for an extraction URL that is not HTTPS.
var ErrInsecureURL = errors.New("annuaire: the extraction must be fetched over HTTPS")

// maxDownloadBytes bounds a downloaded extraction (the real ZIP is tens of megabytes).
const maxDownloadBytes = 4 << 30

// ImportURL downloads the extraction (ZIP or TXT) from an https:// URL into a temporary file
// next to the directory, reporting StageDownloading progress, then imports it as Import
// does. tlsConfig verifies the server (nil: system roots; TLS 1.2 minimum).
func (d *Directory) ImportURL(ctx context.Context, url string, tlsConfig *tls.Config, opts ImportOptions) (*ImportReport, error) {
	if !strings.HasPrefix(url, "https://") {
		return nil, fmt.Errorf("%w: %s", ErrInsecureURL, url)
	}
	dir := filepath.Dir(d.path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("annuaire: create %s: %w", dir, err)
	}
	name := filepath.Base(url[strings.LastIndex(url, "/")+1:])
	f, err := os.CreateTemp(dir, ".annuaire-download-*-"+strings.NewReplacer("?", "", "&", "", "=", "").Replace(name))
	if err != nil {
		return nil, fmt.Errorf("annuaire: temporary file in %s: %w", dir, err)
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	err = download(ctx, url, tlsConfig, 0, maxDownloadBytes, "file", func(size int64) io.Writer {
		return &progressWriter{w: f, total: size, report: opts.Progress}
	})
	if err != nil {
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("annuaire: download %s: %w", url, err)
	}
	return d.Import(ctx, f.Name(), opts)
}

// progressWriter reports StageDownloading progress at most every 100 ms.
type progressWriter struct {
	w      io.Writer
	done   int64
	total  int64
	last   time.Time
	report func(Progress)
}

func (p *progressWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	p.done += int64(n)
	if p.report != nil && time.Since(p.last) >= 100*time.Millisecond {
		p.last = time.Now()
		p.report(Progress{Stage: StageDownloading, Done: p.done, Total: max(p.total, p.done)})
	}
	return n, err
}
