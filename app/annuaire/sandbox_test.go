package annuaire_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"comptoir/app/annuaire"
	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cps/cpstest"
)

// TestSandboxPublishedFiles imports what the sandbox operator publishes: the directory
// extraction (ZIP, CRLF), from its file and over HTTPS with its IGC-Santé test root. (The
// trust-space list is mail/trustlist's.)
func TestSandboxPublishedFiles(t *testing.T) {
	dir := t.TempDir()
	pki, err := cpstest.NewPKI(filepath.Join(dir, "pki"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sandbox.Start(context.Background(), sandbox.Options{
		DataDir: filepath.Join(dir, "sandbox"), PKI: pki, Domain: "sandbox.mssante.test", Seed: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	d, err := annuaire.Open(filepath.Join(dir, "annuaire.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rep, err := d.Import(context.Background(), srv.DirectoryPath(), annuaire.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.BadLines != 0 || rep.NoHeader || len(rep.HeaderMismatch) != 0 || rep.Rows == 0 {
		t.Fatalf("sandbox extraction: %+v", rep)
	}
	seed := sandbox.Seed("sandbox.mssante.test")
	for _, addr := range []string{seed.Pharmacy, seed.Titulaire, seed.Doctor} {
		r, ok, err := d.ByAddress(addr)
		if err != nil || !ok {
			t.Errorf("%s not in the imported directory: %v", addr, err)
			continue
		}
		found, err := d.Search(context.Background(), r.DisplayName(), 5)
		if err != nil || len(found) == 0 {
			t.Errorf("search %q: %v %v", r.DisplayName(), found, err)
		}
	}

	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(srv.RootPEM())
	tlsConfig := &tls.Config{RootCAs: pool}

	// "Mettre à jour l'annuaire": the same file downloaded from the operator's site.
	var stages []annuaire.Stage
	rep, err = d.ImportURL(context.Background(), srv.DirectoryURL(), tlsConfig, annuaire.ImportOptions{
		Progress: func(p annuaire.Progress) {
			if len(stages) == 0 || stages[len(stages)-1] != p.Stage {
				stages = append(stages, p.Stage)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.BadLines != 0 || rep.Rows == 0 || len(stages) == 0 || stages[0] != annuaire.StageDownloading {
		t.Errorf("download import: %+v, stages %v", rep, stages)
	}
	if _, err := d.ImportURL(context.Background(), srv.DirectoryURL(), nil, annuaire.ImportOptions{}); err == nil {
		t.Error("download from a server outside the configured trust accepted")
	}
}
