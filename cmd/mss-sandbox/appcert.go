package main

import (
	"bufio"
	"bytes"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/term"
	"software.sslmate.com/src/go-pkcs12"

	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cps/cpstest"
)

// minPassword is the shortest PKCS#12 password accepted: the file holds a private key.
const minPassword = 8

// issueAppCert writes the test organisation certificate of an APP BAL (or of the ORG BAL's
// structure) as a password-protected PKCS#12 file.
func issueAppCert(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("issue-app-cert", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "data directory of the sandbox (state and PKI)")
	bal := fs.String("bal", "", "APP BAL address (or the structure's ORG BAL)")
	out := fs.String("out", "", "PKCS#12 file to write (.p12)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *data == "" || *bal == "" || *out == "" || fs.NArg() > 0 {
		usage(stderr)
		return errors.New("issue-app-cert needs --data, --bal and --out (the password is asked, never an argument)")
	}
	pkiDir := filepath.Join(*data, "pki")
	if _, err := os.Stat(filepath.Join(*data, "state.json")); err != nil {
		return fmt.Errorf("no sandbox state in %s (run serve first): %w", *data, err)
	}
	if _, err := os.Stat(pkiDir); err != nil {
		return fmt.Errorf("no sandbox PKI in %s: %w", pkiDir, err)
	}
	pki, err := cpstest.NewPKI(pkiDir)
	if err != nil {
		return fmt.Errorf("test PKI: %w", err)
	}
	cert, err := sandbox.IssueAppCertificate(*data, pki, *bal)
	if err != nil {
		return err
	}
	pass, err := readPassword(stdin, stderr)
	if err != nil {
		return err
	}
	var cas []*x509.Certificate
	for _, der := range cert.Certificate[1:] {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return fmt.Errorf("parse chain: %w", err)
		}
		cas = append(cas, c)
	}
	p12, err := pkcs12.Modern.Encode(cert.PrivateKey, cert.Leaf, cas, string(pass))
	clear(pass)
	if err != nil {
		return fmt.Errorf("encode PKCS#12: %w", err)
	}
	if err := writeNew(*out, p12); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Organisation certificate of %s (%s, serialNumber %s) written to %s\n",
		*bal, cert.Leaf.Subject.CommonName, cert.Leaf.Subject.SerialNumber, *out)
	return nil
}

// readPassword asks for the PKCS#12 password: on a terminal twice without echo, else one
// line of stdin (scripts).
func readPassword(stdin io.Reader, stderr io.Writer) ([]byte, error) {
	var pass []byte
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, "Password of the .p12: ")
		p1, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return nil, fmt.Errorf("read password: %w", err)
		}
		fmt.Fprint(stderr, "Again: ")
		p2, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		same := err == nil && bytes.Equal(p1, p2)
		clear(p2)
		if !same {
			clear(p1)
			return nil, errors.New("the passwords differ")
		}
		pass = p1
	} else {
		line, err := bufio.NewReader(stdin).ReadBytes('\n')
		if err != nil && (err != io.EOF || len(line) == 0) {
			return nil, errors.New("no password on stdin")
		}
		pass = bytes.TrimRight(line, "\r\n")
	}
	if len(pass) < minPassword {
		clear(pass)
		return nil, fmt.Errorf("the password must have at least %d characters", minPassword)
	}
	return pass, nil
}

// writeNew writes data to path, readable by its owner only.
func writeNew(path string, data []byte) error {
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return os.Chmod(path, 0o600) // an existing file keeps its mode otherwise
}
