package trustlist_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cps/cpstest"
	"comptoir/mail/trustlist"
)

// The real lists and IGC-Santé certificates: see testdata/SOURCES.md.
const (
	signedFile   = "testdata/listeblanchemssante-2025-02-28-signee.xml.gz"
	ansFile      = "testdata/ansforge-listeblanchemssante.xml.gz"
	ansChecksum  = "testdata/ansforge-checksum"
	signedDomain = "1001-services.mssante.fr"
)

var signedDate = time.Date(2025, 2, 28, 15, 42, 7, 0, time.UTC)

func gunzip(t testing.TB, path string) []byte {
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

// igcSante are the options of a workstation whose trust store holds the real IGC-Santé
// root (the ORGANISATIONS intermediate is built in).
func igcSante(t testing.TB) trustlist.Options {
	t.Helper()
	der, err := os.ReadFile("testdata/igc-sante/ACR-EL.cer")
	if err != nil {
		t.Fatal(err)
	}
	root, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(root)
	return trustlist.Options{Roots: pool}
}

// writeFile stores data in a fresh temporary file and returns its path.
func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestTrustListRealSignedList: the complete list the ANS publishes verifies against the
// real IGC-Santé root, as of its DateDeGeneration (its signing certificate has expired
// since), and is flagged as older than 30 days.
func TestTrustListRealSignedList(t *testing.T) {
	t.Parallel()
	data := gunzip(t, signedFile)
	opts := igcSante(t)
	l, err := trustlist.Verify(data, "", opts)
	if err != nil {
		t.Fatal(err)
	}
	if !l.Signed || l.Signer != "alb.mssante.fr" || !l.Generated.Equal(signedDate) || l.Domains.Len() != 4944 { // 6 494 entries, 4 944 distinct domains (a domain has one entry per operator certificate)
		t.Fatalf("signed %v by %q on %s, %d domains", l.Signed, l.Signer, l.Generated, l.Domains.Len())
	}
	if !l.Domains.Contains(signedDomain) || l.Domains.Contains("gmail.com") {
		t.Error("domains not read from the list")
	}
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	st := l.Status(now)
	if !st.Stale || len(st.Notices) != 1 || !strings.Contains(st.Notices[0], "28/02/2025") || !strings.Contains(st.Notices[0], "mettez-la à jour") {
		t.Errorf("old list status %+v", st)
	}
	if st := l.Status(signedDate.Add(29 * 24 * time.Hour)); st.Stale || len(st.Notices) != 0 {
		t.Errorf("a 29-day-old list: %+v", st)
	}
	// Another PKI's root is not IGC-Santé.
	pki, err := cpstest.NewPKI(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := trustlist.Verify(data, "", trustlist.Options{Roots: pki.RootPool()}); !errors.Is(err, trustlist.ErrUntrustedSigner) {
		t.Errorf("verified against a foreign root: %v", err)
	}
}

// TestTrustListForgedRefused: the real list with its signature removed, the real list
// with one domain changed, and a second signature wrapped inside a domain are refused
// with a French message; the list stored before stays.
func TestTrustListForgedRefused(t *testing.T) {
	t.Parallel()
	signed := gunzip(t, signedFile)
	opts := igcSante(t)
	dst := filepath.Join(t.TempDir(), "listeblanchemssante.xml")
	if _, err := trustlist.Refresh(context.Background(), trustlist.Source{List: writeFile(t, "l.xml", signed)}, dst, opts); err != nil {
		t.Fatalf("the real signed list: %v", err)
	}
	forge := func(b []byte) []byte {
		return bytes.Replace(b, []byte("<Nom>"+signedDomain+"</Nom>"), []byte("<Nom>faux-domaine.example</Nom>"), 1)
	}
	i, j := bytes.Index(signed, []byte("<Signature ")), bytes.Index(signed, []byte("</Signature>"))+len("</Signature>")
	sigXML := signed[i:j]
	unsigned := forge(append(append([]byte{}, signed[:i]...), signed[j:]...))
	wrapped := bytes.Replace(signed, []byte("<Nom>"+signedDomain+"</Nom>"), append([]byte("<Nom>"+signedDomain+"</Nom>"), sigXML...), 1)
	for _, tc := range []struct {
		name string
		data []byte
		want error
		fr   string
	}{
		{"unsigned", unsigned, trustlist.ErrUnsigned, "n'est pas signée"},
		{"tampered", forge(signed), trustlist.ErrBadSignature, "falsifiée"},
		{"second signature inside a domain", wrapped, trustlist.ErrBadSignature, "falsifiée"},
	} {
		_, err := trustlist.Refresh(context.Background(), trustlist.Source{List: writeFile(t, "l.xml", tc.data)}, dst, opts)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
			continue
		}
		if m := trustlist.UserMessage(err); !strings.Contains(m, tc.fr) || !strings.Contains(m, "précédente est conservée") {
			t.Errorf("%s: user message %q", tc.name, m)
		}
	}
	if stored, err := os.ReadFile(dst); err != nil || !bytes.Equal(stored, signed) {
		t.Fatalf("stored list replaced after the refusals (%v)", err)
	}
}

// testList is a small list in the ANS's format, generated at date.
func testList(date time.Time, domains ...string) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema">` + "\n")
	b.WriteString("    <DateDeGeneration>" + date.UTC().Format(time.RFC3339) + "</DateDeGeneration>\n    <ListeDomaines>\n")
	for _, d := range domains {
		b.WriteString("        <Domaine>\n            <Nom>" + d + "</Nom>\n            <Description>Établissement d'essai</Description>\n        </Domaine>\n")
	}
	b.WriteString("    </ListeDomaines>\n</ListeBlancheMSSante>")
	return []byte(b.String())
}

// TestTrustListSignerMustBeOrganisations: with the test PKI as trust store, a list signed
// by an ORGANISATIONS certificate verifies; signed by a card's certificate (PERSONNES), it
// does not.
func TestTrustListSignerMustBeOrganisations(t *testing.T) {
	t.Parallel()
	pki, err := cpstest.NewPKI(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	opts := trustlist.Options{Roots: pki.RootPool()}
	list := testList(time.Now().Add(-time.Hour), "pharmacie.mssante.fr", "ch-lyon.mssante.fr")
	org, err := pki.IssueOrganisation("ESPACE DE CONFIANCE TEST", "690999990")
	if err != nil {
		t.Fatal(err)
	}
	signed, err := trustlist.Sign(list, org)
	if err != nil {
		t.Fatal(err)
	}
	l, err := trustlist.Verify(signed, "", opts)
	if err != nil || !l.Signed || l.Domains.Len() != 2 || len(l.Notices(time.Now())) != 0 {
		t.Fatalf("list signed by ORGANISATIONS: %+v, %v", l, err)
	}
	card, err := pki.PersonCertificate(cpstest.Titulaire.Person)
	if err != nil {
		t.Fatal(err)
	}
	byCard, err := trustlist.Sign(list, card)
	if err != nil {
		t.Fatal(err)
	}
	_, err = trustlist.Verify(byCard, "", opts)
	if !errors.Is(err, trustlist.ErrUntrustedSigner) || !strings.Contains(trustlist.UserMessage(err), "IGC-Santé") {
		t.Errorf("list signed by a card: %v", err)
	}
	// Another algorithm than the ANS's is refused even when the signature holds.
	weak := bytes.Replace(signed, []byte(`xml-exc-c14n#"/><SignatureMethod`), []byte(`xml-exc-c14n#WithComments"/><SignatureMethod`), 1)
	if _, err := trustlist.Verify(weak, "", opts); !errors.Is(err, trustlist.ErrBadSignature) {
		t.Errorf("other canonicalization: %v", err)
	}
	// A stored list altered on disk is refused at load.
	dst := filepath.Join(t.TempDir(), "listeblanchemssante.xml")
	if _, err := trustlist.Refresh(context.Background(), trustlist.Source{List: writeFile(t, "l.xml", signed)}, dst, opts); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, bytes.Replace(signed, []byte("ch-lyon"), []byte("ch-lyom"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := trustlist.Load(dst, opts); !errors.Is(err, trustlist.ErrBadSignature) {
		t.Errorf("altered stored list: %v", err)
	}
	// A list dated in the future would dodge the age warning.
	future, _ := trustlist.Sign(testList(time.Now().Add(72*time.Hour), "pharmacie.mssante.fr"), org)
	if _, err := trustlist.Verify(future, "", opts); !errors.Is(err, trustlist.ErrMalformed) {
		t.Errorf("list generated in three days: %v", err)
	}
}

// TestTrustListOfficialUnsignedCopy: the ANS repository's copy (unsigned, cut off after
// </ListeDomaines>) is accepted when its SHA-256 matches the published checksum, with a
// « liste non signée » notice; without it, with another checksum, or cut elsewhere, it is
// refused.
func TestTrustListOfficialUnsignedCopy(t *testing.T) {
	t.Parallel()
	data := gunzip(t, ansFile)
	opts := igcSante(t)
	dst := filepath.Join(t.TempDir(), "listeblanchemssante.xml")
	src := trustlist.Source{List: writeFile(t, "liste.xml", data), Checksum: ansChecksum}
	l, err := trustlist.Refresh(context.Background(), src, dst, opts)
	if err != nil {
		t.Fatalf("the ANS copy with its checksum: %v", err)
	}
	if l.Signed || l.Domains.Len() != 516 || // 619 entries, 516 distinct domains !l.Domains.Contains("nddtestasmae.mssante.fr") ||
		l.Generated.Format(time.RFC3339) != "2025-03-13T14:54:10Z" {
		t.Fatalf("ANS copy: signed %v, %d domains, %s", l.Signed, l.Domains.Len(), l.Generated)
	}
	if n := l.Notices(l.Generated.Add(time.Hour)); len(n) != 1 || !strings.Contains(n[0], "Liste non signée") {
		t.Errorf("notices %q", n)
	}
	if again, err := trustlist.Load(dst, opts); err != nil || again.Signed || again.Domains.Len() != 516 {
		t.Errorf("stored unsigned list: %+v, %v", again, err)
	}
	if info, err := trustlist.Stored(dst); err != nil || info.Signed || !info.Generated.Equal(l.Generated) || info.Source != src.List {
		t.Errorf("Stored: %+v, %v", info, err)
	}
	if _, err := trustlist.Verify(data, "", opts); err == nil {
		t.Error("the unsigned copy accepted without its checksum")
	}
	other := strings.Repeat("0", 64)
	if _, err := trustlist.Verify(data, other, opts); !errors.Is(err, trustlist.ErrChecksum) {
		t.Errorf("wrong checksum: %v", err)
	}
	// Cut in the middle of a domain, with a checksum matching the cut file.
	cut := data[:len(data)/2]
	if _, err := trustlist.Verify(cut, sha256Hex(cut), opts); !errors.Is(err, trustlist.ErrMalformed) {
		t.Errorf("list cut elsewhere: %v", err)
	}
	// The signed list of 28/02 is older than this copy of 13/03: refused, copy kept.
	_, err = trustlist.Refresh(context.Background(), trustlist.Source{List: writeFile(t, "l.xml", gunzip(t, signedFile))}, dst, opts)
	if !errors.Is(err, trustlist.ErrOlder) {
		t.Errorf("older list: %v", err)
	}
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestTrustListDownloadHTTPSOnly: the list is downloaded over https only; a redirect to
// http is refused, one to another https URL followed.
func TestTrustListDownloadHTTPSOnly(t *testing.T) {
	t.Parallel()
	pki, err := cpstest.NewPKI(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	org, err := pki.IssueOrganisation("ESPACE DE CONFIANCE TEST", "690999990")
	if err != nil {
		t.Fatal(err)
	}
	signed, err := trustlist.Sign(testList(time.Now().Add(-time.Hour), "pharmacie.mssante.fr"), org)
	if err != nil {
		t.Fatal(err)
	}
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(signed) }))
	defer plain.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("/liste.xml", func(w http.ResponseWriter, r *http.Request) { w.Write(signed) })
	mux.Handle("/vers-http", http.RedirectHandler(plain.URL+"/liste.xml", http.StatusFound))
	mux.Handle("/vers-https", http.RedirectHandler("/liste.xml", http.StatusMovedPermanently))
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	opts := trustlist.Options{Roots: pki.RootPool(), TLSConfig: &tls.Config{RootCAs: pool}}
	dst := filepath.Join(t.TempDir(), "listeblanchemssante.xml")
	ctx := context.Background()

	_, err = trustlist.Refresh(ctx, trustlist.Source{List: srv.URL + "/vers-http"}, dst, opts)
	if !errors.Is(err, trustlist.ErrRedirect) || !strings.Contains(trustlist.UserMessage(err), "hors de https") {
		t.Errorf("https→http redirect: %v", err)
	}
	if _, err := trustlist.Refresh(ctx, trustlist.Source{List: plain.URL + "/liste.xml"}, dst, opts); !errors.Is(err, trustlist.ErrInsecureURL) {
		t.Errorf("http URL: %v", err)
	}
	if _, err := os.Stat(dst); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a refused download was stored")
	}
	l, err := trustlist.Refresh(ctx, trustlist.Source{List: srv.URL + "/vers-https"}, dst, opts)
	if err != nil || !l.Signed || l.Source != srv.URL+"/vers-https" {
		t.Fatalf("https→https redirect: %+v, %v", l, err)
	}
	// Without the server's root the download fails; the stored list stays.
	opts.TLSConfig = nil
	if _, err := trustlist.Refresh(ctx, trustlist.Source{List: srv.URL + "/liste.xml"}, dst, opts); err == nil {
		t.Error("untrusted https server accepted")
	}
	if _, err := trustlist.Load(dst, trustlist.Options{Roots: pki.RootPool()}); err != nil {
		t.Errorf("stored list: %v", err)
	}
}

// BenchmarkVerifyRealList measures the verification of the complete signed list (3.6 MB,
// 6 494 domains), what Load costs at start-up.
func BenchmarkVerifyRealList(b *testing.B) {
	data := gunzip(b, signedFile)
	opts := igcSante(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := trustlist.Verify(data, "", opts); err != nil {
			b.Fatal(err)
		}
	}
}

// TestTrustListFromSandbox: the sandbox publishes its list signed by a test
// ORGANISATIONS certificate; a client whose trust store is the test root fetches it over
// https and verifies it.
func TestTrustListFromSandbox(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pki, err := cpstest.NewPKI(filepath.Join(dir, "pki"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sandbox.Start(context.Background(), sandbox.Options{DataDir: filepath.Join(dir, "sandbox"), PKI: pki,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	opts := trustlist.Options{Roots: pki.RootPool(), TLSConfig: &tls.Config{RootCAs: pki.RootPool()}}
	dst := filepath.Join(dir, "listeblanchemssante.xml")
	l, err := trustlist.Refresh(context.Background(), trustlist.Source{List: srv.TrustListURL()}, dst, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !l.Signed || !l.Domains.Contains(srv.Domain()) || !l.Domains.Contains(sandbox.PatientDomain) || l.Domains.Contains("gmail.com") {
		t.Fatalf("sandbox list: %+v %v", l, l.Domains.Domains())
	}
	if d, err := trustlist.LoadDomains(dst, pki.RootPool()); err != nil || d.Len() != 2 {
		t.Fatalf("LoadDomains: %v, %v", d, err)
	}
	// The production IGC-Santé root does not vouch for the sandbox's signer.
	if _, err := trustlist.Load(dst, igcSante(t)); !errors.Is(err, trustlist.ErrUntrustedSigner) {
		t.Errorf("sandbox list under the production root: %v", err)
	}
}
