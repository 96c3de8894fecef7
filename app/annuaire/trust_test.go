package annuaire

import (
	"bytes"
	"compress/gzip"
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

// Real lists, kept with mail/trustlist's test data (see its SOURCES.md).
const trustData = "../../mail/trustlist/testdata/"

func gunzipFile(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// refreshFrom stores data as a source file and refreshes dst from it.
func refreshFrom(t *testing.T, data []byte, dst string) error {
	t.Helper()
	src := filepath.Join(t.TempDir(), "listeblanchemssante.xml")
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := RefreshTrustList(context.Background(), src, dst, TrustFetchOptions{})
	return err
}

// TestTrustListForgedRefused: a forged list (the real one with its signature removed),
// and the real signed list with one domain changed, are refused, and the list stored
// before stays.
func TestTrustListForgedRefused(t *testing.T) {
	signed := gunzipFile(t, trustData+"listeblanchemssante-2025-02-28-signee.xml.gz")
	dst := filepath.Join(t.TempDir(), "listeblanchemssante.xml")
	if err := refreshFrom(t, signed, dst); err != nil {
		t.Fatalf("the real signed list: %v", err)
	}
	i, j := bytes.Index(signed, []byte("<Signature ")), bytes.Index(signed, []byte("</Signature>"))
	unsigned := append(append([]byte{}, signed[:i]...), signed[j+len("</Signature>"):]...)
	unsigned = bytes.Replace(unsigned, []byte("<Nom>1001-services.mssante.fr</Nom>"), []byte("<Nom>faux-domaine.example</Nom>"), 1)
	tampered := bytes.Replace(signed, []byte("<Nom>1001-services.mssante.fr</Nom>"), []byte("<Nom>faux-domaine.example</Nom>"), 1)
	for name, data := range map[string][]byte{"unsigned": unsigned, "tampered": tampered} {
		if err := refreshFrom(t, data, dst); err == nil {
			t.Errorf("%s list accepted", name)
		}
	}
	if stored, err := LoadTrustList(dst); err != nil || stored.Contains("faux-domaine.example") {
		t.Errorf("stored list replaced by a forged one (err %v)", err)
	}
}

// TestTrustListRedirectToHTTPRefused: the HTTPS server redirects to plain HTTP.
func TestTrustListRedirectToHTTPRefused(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(trustXML))
	}))
	defer plain.Close()
	srv := httptest.NewTLSServer(http.RedirectHandler(plain.URL+"/listeblanchemssante.xml", http.StatusFound))
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	dst := filepath.Join(t.TempDir(), "listeblanchemssante.xml")
	if _, err := RefreshTrustList(context.Background(), srv.URL, dst, TrustFetchOptions{TLSConfig: &tls.Config{RootCAs: pool}}); err == nil {
		t.Fatal("https→http redirect followed")
	}
}

// TestTrustListOfficialUnsignedCopy: the ANS repository's copy (unsigned, cut off after
// </ListeDomaines>) matches the checksum published beside it and is accepted.
func TestTrustListOfficialUnsignedCopy(t *testing.T) {
	data := gunzipFile(t, trustData+"ansforge-listeblanchemssante.xml.gz")
	dst := filepath.Join(t.TempDir(), "listeblanchemssante.xml")
	if err := refreshFrom(t, data, dst); err != nil {
		t.Fatalf("the ANS copy was refused: %v", err)
	}
}
