package session_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"comptoir/app/session"
	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cps"
	"comptoir/cps/cpstest"
	"comptoir/mail"
	"comptoir/mail/provisioning"
)

// world is one sandbox operator and the SoftHSM test cards, shared by the tests.
var world struct {
	dir    string
	pki    *cpstest.PKI
	cards  *cpstest.Cards
	module *cps.Module
	srv    *sandbox.Server
	seed   sandbox.SeedAddresses
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "session-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := run(m, dir)
	os.RemoveAll(dir)
	os.Exit(code)
}

func run(m *testing.M, dir string) int {
	world.dir = dir
	var err error
	if world.pki, world.cards, err = cpstest.NewTestCards(dir); err != nil {
		fmt.Fprintln(os.Stderr, err) // says what to install when SoftHSM2 is missing
		return 1
	}
	if world.module, err = world.cards.Open(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	world.srv, err = sandbox.Start(ctx, sandbox.Options{DataDir: filepath.Join(dir, "sandbox"), PKI: world.pki, Seed: true,
		ValidationDelay: 300 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer world.srv.Close()
	world.seed = sandbox.Seed(world.srv.Domain())
	return m.Run()
}

// config is a session configuration on the sandbox, with its own cache directory.
func config(t *testing.T) session.Config {
	t.Helper()
	return session.Config{
		Servers: mail.Operator{IMAPAddr: world.srv.IMAPAddr(), SMTPAddr: world.srv.SMTPAddr(), ServerName: world.srv.ServerName(),
			RootCAs: world.pki.RootPool(), CRLs: world.pki.CRLs(), Domain: world.srv.Domain()},
		APIURL:         world.srv.APIURL(),
		CacheDir:       t.TempDir(),
		ProductRef:     "Comptoir/test",
		PendingPollMin: 50 * time.Millisecond,
		Engine: func(c *mail.EngineConfig) {
			c.MinBackoff, c.MaxBackoff = 50*time.Millisecond, 200*time.Millisecond
		},
	}
}

// login logs a fixture card in.
func login(t *testing.T, fx cpstest.Fixture) *cps.Card {
	t.Helper()
	card, err := world.cards.Login(t.Context(), world.module, fx)
	if err != nil {
		t.Fatalf("login %s: %v", fx.Label, err)
	}
	return card
}

// open logs the card in and opens its session on cfg; the session is closed at the end.
func open(t *testing.T, fx cpstest.Fixture, cfg session.Config) *session.Session {
	t.Helper()
	s, err := session.Open(t.Context(), session.CardCredential{Card: login(t, fx)}, cfg)
	if err != nil {
		t.Fatalf("open the session of %s: %v", fx.Label, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// events collects a session's events until its stream closes.
type events struct{ ch chan mail.Event }

func watch(s *session.Session) *events {
	e := &events{ch: make(chan mail.Event, 1024)}
	go func() {
		for ev := range s.Events() {
			e.ch <- ev
		}
		close(e.ch)
	}()
	return e
}

// waitFor reads events until match holds, failing on a deadline; every event seen is
// passed to seen (may be nil).
func (e *events) waitFor(t *testing.T, what string, match func(mail.Event) bool, seen func(mail.Event)) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case ev, ok := <-e.ch:
			if !ok {
				t.Fatalf("the session's events ended before %s", what)
			}
			if seen != nil {
				seen(ev)
			}
			if match(ev) {
				return
			}
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// orgCertificate is the structure certificate of the ORG or APP BAL addr, as the ANS would
// issue it.
func orgCertificate(t *testing.T, addr string) *provisioning.OrgCertificate {
	t.Helper()
	cert, err := sandbox.IssueAppCertificate(filepath.Join(world.dir, "sandbox"), world.pki, addr)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	oc := &provisioning.OrgCertificate{TLS: cert, StructureID: leaf.Subject.SerialNumber, Organisation: leaf.Subject.CommonName}
	if len(leaf.Subject.Organization) > 0 {
		oc.Organisation = leaf.Subject.Organization[0]
	}
	if oc.StructureID != "" && oc.StructureID[0] == '1' {
		oc.FINESS = oc.StructureID[1:]
	}
	return oc
}

// blackHole is a server that accepts connections and never answers: a network that drops
// the operator's packets after the handshake.
func blackHole(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	return l.Addr().String()
}
