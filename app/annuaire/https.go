package annuaire

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"time"
)

// httpClient builds a client that refuses anything below TLS 1.2.
func httpClient(cfg *tls.Config, timeout time.Duration) *http.Client {
	var c *tls.Config
	if cfg != nil {
		c = cfg.Clone()
	} else {
		c = &tls.Config{}
	}
	if c.MinVersion < tls.VersionTLS12 {
		c.MinVersion = tls.VersionTLS12
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = c
	return &http.Client{Transport: tr, Timeout: timeout}
}

// download GETs url with a client from httpClient(tlsConfig, timeout) and copies the body
// of a 200 response into the writer dst returns for the announced size (-1: unknown),
// refusing more than limit bytes. what names the file in errors ("trust-space list").
func download(ctx context.Context, url string, tlsConfig *tls.Config, timeout time.Duration,
	limit int64, what string, dst func(size int64) io.Writer) error {
	client := httpClient(tlsConfig, timeout)
	defer client.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("annuaire: %s URL: %w", what, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("annuaire: download %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("annuaire: download %s: HTTP %s", url, resp.Status)
	}
	n, err := io.Copy(dst(resp.ContentLength), io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return fmt.Errorf("annuaire: download %s: %w", url, err)
	}
	if n > limit {
		return fmt.Errorf("annuaire: download %s: %s too large", url, what)
	}
	return nil
}
