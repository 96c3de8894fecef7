// Command mss-sandbox runs the local MSSanté sandbox operator (IMAP, SMTP submission,
// provisioning API, published files, a Pro Santé Connect stand-in and the intermediate
// server in front of it) on loopback for demos and tests.
//
//	mss-sandbox serve --data DIR [--listen 127.0.0.1:0] [--validation-delay 24h] [--seed] [--domain D]
//	mss-sandbox issue-app-cert --data DIR --bal ADDRESS --out FILE.p12
//
// The test IGC-Santé PKI lives in DIR/pki (created on first run, see cps/cpstest). serve
// prints the endpoints and the trust anchor to configure, then serves until SIGINT/SIGTERM.
// issue-app-cert writes the test organisation certificate that opens an APP BAL (or that
// an APP BAL request for the ORG BAL's structure needs) as a PKCS#12 file; its password is
// read from the terminal or one line of stdin, never from argv or the environment.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cmd/mss-sandbox/sandbox/psc"
	"comptoir/cps/cpstest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "mss-sandbox:", err)
		os.Exit(1)
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: mss-sandbox serve --data DIR [--listen HOST:PORT] [--validation-delay 24h] [--seed] [--domain DOMAIN]")
	fmt.Fprintln(w, "       mss-sandbox issue-app-cert --data DIR --bal ADDRESS --out FILE.p12")
}

// run runs the command of args: serve (until ctx ends) or issue-app-cert.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		usage(stderr)
		return errors.New("missing command")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stdout, stderr)
	case "issue-app-cert":
		return issueAppCert(args[1:], stdin, stdout, stderr)
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", args[0])
}

// serve runs the sandbox until ctx ends.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "data directory (state, mail, PKI, published files)")
	listen := fs.String("listen", "127.0.0.1:0", "HOST:PORT; with a fixed PORT: IMAP PORT, IMAPS PORT+1, SMTP PORT+2, API PORT+3, Pro Santé Connect PORT+4, its intermediate server PORT+5, CRL PORT+6")
	delay := fs.Duration("validation-delay", 24*time.Hour, "time before a new BAL becomes active")
	seed := fs.Bool("seed", false, "create the demo BALs and messages on first start")
	domain := fs.String("domain", sandbox.DefaultDomain, "operator mail domain")
	verbose := fs.Bool("v", false, "log every connection")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *data == "" {
		usage(stderr)
		return errors.New("--data is required")
	}
	pki, err := cpstest.NewPKI(filepath.Join(*data, "pki"))
	if err != nil {
		return fmt.Errorf("test PKI: %w", err)
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	srv, err := sandbox.Start(ctx, sandbox.Options{
		DataDir: *data, PKI: pki, Domain: *domain, ValidationDelay: *delay, Seed: *seed, Listen: *listen,
		Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})),
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, `MSSanté sandbox operator %s
  IMAP (STARTTLS)   %s
  IMAP (TLS)        %s
  SMTP (STARTTLS)   %s
  Provisioning API  %s
  PSC issuer        %s
  PSC gateway       %s
  CRLs (HTTP)       %s
  Trust list        %s
  Directory         %s
  Trust anchor      %s
  TLS server name   %s (or 127.0.0.1)
  Validation delay  %v
Client certificates must chain to the PKI in %s.
e-CPS (CIBA) requests waiting for approval: curl --cacert %[11]s %[15]s/sandbox/ciba
approve one: curl --cacert %[11]s -X POST %[15]s/sandbox/ciba/AUTH_REQ_ID/approve (or /deny).
Stop with Ctrl-C.
`, srv.Domain(), srv.IMAPAddr(), srv.IMAPSAddr(), srv.SMTPAddr(), srv.APIURL(), srv.PSCIssuer(), srv.PSCGatewayURL(), srv.CRLURL(),
		srv.TrustListURL(), srv.DirectoryURL(), srv.TrustAnchorPath(), srv.ServerName(), *delay, pki.Dir(),
		strings.TrimSuffix(srv.PSCIssuer(), psc.RealmPath))
	<-ctx.Done()
	fmt.Fprintln(stdout, "stopping")
	return srv.Close()
}
