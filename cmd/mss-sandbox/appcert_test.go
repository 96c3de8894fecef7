package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cps/cpstest"
	"comptoir/mail/provisioning"
)

func TestIssueAppCert(t *testing.T) {
	dir := t.TempDir()
	pki, err := cpstest.NewPKI(filepath.Join(dir, "pki"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sandbox.Start(context.Background(), sandbox.Options{DataDir: dir, PKI: pki, Seed: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	a := sandbox.Seed(srv.Domain())
	const password = "mot de passe du logiciel"
	p12 := filepath.Join(t.TempDir(), "officine.p12")
	issue := func(stdin string, args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), append([]string{"issue-app-cert"}, args...), strings.NewReader(stdin), &out, &errOut)
		return out.String(), errOut.String(), err
	}

	// The ORG BAL's structure: the certificate an APP BAL request needs.
	out, errOut, err := issue(password+"\n", "--data", dir, "--bal", a.Pharmacy, "--out", p12)
	if err != nil {
		t.Fatalf("issue-app-cert: %v\n%s", err, errOut)
	}
	if !strings.Contains(out, "serialNumber 1690999123") || strings.Contains(out+errOut, password) {
		t.Fatalf("output: %q %q", out, errOut)
	}
	fi, err := os.Stat(p12)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("p12 file: %v %v", fi.Mode(), err)
	}
	data, _ := os.ReadFile(p12)
	oc, err := provisioning.LoadP12(data, password)
	if err != nil || oc.FINESS != cpstest.Pharmacie.StructureID || oc.Organisation != "PHARMACIE DES TILLEULS" || len(oc.TLS.Certificate) != 2 {
		t.Fatalf("issued p12: %+v %v", oc, err)
	}
	if _, err := oc.TLS.Leaf.Verify(x509Opts(pki)); err != nil {
		t.Fatalf("the certificate does not chain to the sandbox's root: %v", err)
	}
	if _, err := provisioning.LoadP12(data, "autre mot de passe"); !errors.Is(err, provisioning.ErrP12Password) {
		t.Fatalf("another password opens the p12: %v", err)
	}

	// Refusals: a PER BAL, an unknown one, a short password, the password as an argument.
	if _, _, err := issue(password+"\n", "--data", dir, "--bal", a.Titulaire, "--out", p12); !errors.Is(err, sandbox.ErrNoAppStructure) {
		t.Errorf("PER BAL: %v", err)
	}
	if _, _, err := issue(password+"\n", "--data", dir, "--bal", "inconnue@"+srv.Domain(), "--out", p12); !errors.Is(err, sandbox.ErrNoAppStructure) {
		t.Errorf("unknown BAL: %v", err)
	}
	if _, _, err := issue("court\n", "--data", dir, "--bal", a.Pharmacy, "--out", p12); err == nil || !strings.Contains(err.Error(), "at least 8") {
		t.Errorf("short password: %v", err)
	}
	if _, _, err := issue("", "--data", dir, "--bal", a.Pharmacy, "--out", p12, password); err == nil {
		t.Error("a password in argv was accepted")
	}
	if _, _, err := issue(password+"\n", "--data", t.TempDir(), "--bal", a.Pharmacy, "--out", p12); err == nil || !strings.Contains(err.Error(), "no sandbox state") {
		t.Errorf("empty data directory: %v", err)
	}
}

func x509Opts(pki *cpstest.PKI) x509.VerifyOptions {
	inter := x509.NewCertPool()
	inter.AddCert(pki.Organisations())
	return x509.VerifyOptions{Roots: pki.RootPool(), Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
}
