package annuaire

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

const trustXML = `<?xml version="1.0" encoding="UTF-8"?>
<ListeBlanche xmlns="https://listeblanche.mssante.fr/schema">
  <DateGeneration>2026-11-25T03:00:00</DateGeneration>
  <Domaine><Nom>medecin.mssante.fr</Nom><Operateur>ANS</Operateur></Domaine>
  <Domaine><Nom>ch-lyon.mssante.fr</Nom><Operateur>HCL</Operateur></Domaine>
  <Domaine><Nom>Pharmacie.MSSante.fr</Nom></Domaine>
</ListeBlanche>`

func TestTrustListRefreshOverHTTPSWithConfiguredRoots(t *testing.T) {
	body := trustXML
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		w.Write([]byte(body))
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusted-server case fails a handshake
	srv.StartTLS()
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	opts := TrustFetchOptions{TLSConfig: &tls.Config{RootCAs: pool}}
	dst := filepath.Join(t.TempDir(), "listeblanchemssante.xml")

	list, err := RefreshTrustList(context.Background(), srv.URL+"/listeblanchemssante.xml", dst, opts)
	if err != nil {
		t.Fatal(err)
	}
	for domain, want := range map[string]bool{
		"medecin.mssante.fr": true, "CH-LYON.mssante.fr": true, "pharmacie.mssante.fr": true,
		"gmail.com": false, "mssante.fr": false, "patient.mssante.fr": true,
	} {
		if got := list.Contains(domain); got != want {
			t.Errorf("Contains(%q) = %v", domain, got)
		}
	}
	stored, err := LoadTrustList(dst)
	if err != nil || stored.Len() != 3 {
		t.Fatalf("stored list: %v, %v", stored, err)
	}

	// A broken download leaves the stored list in place.
	body = "<html>maintenance</html>"
	if _, err := RefreshTrustList(context.Background(), srv.URL, dst, opts); err == nil {
		t.Error("a page without domains was accepted")
	}
	if stored, err := LoadTrustList(dst); err != nil || stored.Len() != 3 {
		t.Errorf("stored list after a failed refresh: %v, %v", stored, err)
	}
	// Without the test root the server is not trusted; plain HTTP is refused.
	if _, err := RefreshTrustList(context.Background(), srv.URL, dst, TrustFetchOptions{}); err == nil {
		t.Error("untrusted server accepted")
	}
	if _, err := RefreshTrustList(context.Background(), "http://example.org/l.xml", dst, opts); !errors.Is(err, ErrInsecureURL) {
		t.Errorf("http URL: %v", err)
	}
}

func TestTrustListRefreshFromFile(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "in.xml")
	os.WriteFile(src, []byte(trustXML), 0o644)
	list, err := RefreshTrustList(context.Background(), src, filepath.Join(dir, "sub", "out.xml"), TrustFetchOptions{})
	if err != nil || !list.Contains("medecin.mssante.fr") {
		t.Fatalf("%v %v", list, err)
	}
	if _, err := RefreshTrustList(context.Background(), filepath.Join(dir, "absent.xml"), filepath.Join(dir, "out.xml"), TrustFetchOptions{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
