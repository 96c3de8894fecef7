package mail

import (
	"context"
	"crypto"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"comptoir/cps/cpstest"
	"comptoir/mail/internal/dovecottest"
	"comptoir/mail/servertrust"
	"comptoir/store"
)

const testBAL = "elise.bonnefoy@sandbox.mssante.test"

// countingSigner counts private-key operations, like cps.Card.PrivateKeyOps.
type countingSigner struct {
	crypto.Signer
	n atomic.Int64
}

func (s *countingSigner) Sign(r io.Reader, d []byte, o crypto.SignerOpts) ([]byte, error) {
	s.n.Add(1)
	return s.Signer.Sign(r, d, o)
}

// rig is a private Dovecot, a test PKI, a client certificate and a real encrypted store.
type rig struct {
	t       testing.TB
	ctx     context.Context
	pki     *cpstest.PKI
	dov     *dovecottest.Server
	store   *store.Store
	op      Operator
	cert    tls.Certificate
	srvCert tls.Certificate
	signer  *countingSigner
}

func newRig(t testing.TB) *rig {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	pki, err := cpstest.NewPKI(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// The CRLs are published on loopback before the server certificate is issued: it
	// names them as its distribution point.
	crlSrv, err := pki.ServeCRLs()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { crlSrv.Close() })
	srvCert, err := pki.ServerCertificateCRL(crlSrv.URL)
	if err != nil {
		t.Fatal(err)
	}
	who := cpstest.Titulaire.Person
	cert, key, err := pki.IssuePerson(who)
	if err != nil {
		t.Fatal(err)
	}
	dov, err := dovecottest.Start(ctx, t.TempDir(), dovecottest.Options{CAPEM: pki.CAPEM(), CRLPEM: pki.CRLPEM(),
		ServerCert: srvCert, Users: []string{testBAL, "org@sandbox.mssante.test"},
		Masters: []string{who.NationalID, cpstest.PharmacienCPS3.NationalID}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dov.Close)
	signer := &countingSigner{Signer: key}
	r := &rig{t: t, ctx: ctx, pki: pki, dov: dov, signer: signer, srvCert: srvCert,
		cert: tls.Certificate{Certificate: [][]byte{cert.Raw, pki.Personnes().Raw}, PrivateKey: signer}}
	trust, err := servertrust.New(servertrust.Config{Roots: pki.RootPool(), CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	r.op = Operator{IMAPAddr: dov.IMAPAddr, SMTPAddr: dov.SubmissionAddr, ServerName: "localhost",
		Trust: trust, RootCAs: pki.RootPool(), CRLs: pki.CRLs(), Domain: "sandbox.mssante.test"}
	r.store = r.openStore(filepath.Join(t.TempDir(), "cache.db"))
	return r
}

// openCache opens a fresh cache keyed by key in a temporary directory, closed when the
// test ends.
func openCache(t testing.TB, key crypto.Signer) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "cache.db"), key, store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func (r *rig) openStore(path string) *store.Store {
	r.t.Helper()
	st, err := store.Open(path, r.signer.Signer, store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { st.Close() })
	return st
}

func (r *rig) config(bals ...string) EngineConfig {
	if len(bals) == 0 {
		bals = []string{testBAL}
	}
	return EngineConfig{Operator: r.op, Cert: r.cert, Author: "899700412358 BONNEFOY Élise", Store: r.store,
		BALs: bals, Logger: slog.New(slog.DiscardHandler), NIL: "Comptoir/test",
		MinBackoff: 50 * time.Millisecond, MaxBackoff: 500 * time.Millisecond}
}

// startEngine starts an engine on r.config(), stopped at the end of the test, and waits
// for its first pass.
func (r *rig) startEngine() *Engine {
	r.t.Helper()
	e := NewEngine(r.config())
	e.Start(r.ctx)
	r.t.Cleanup(e.Stop)
	waitEvent[Synced](r.t, e.Events(), 20*time.Second, nil)
	return e
}

func (r *rig) deliver(user, mailbox string, raw []byte) {
	r.t.Helper()
	if err := r.dov.Deliver(r.ctx, user, mailbox, raw); err != nil {
		r.t.Fatal(err)
	}
}

// waitEvent reads events until match returns true or the deadline passes.
func waitEvent[T Event](t testing.TB, ch <-chan Event, within time.Duration, match func(T) bool) T {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("events closed while waiting for %T", *new(T))
			}
			if e, ok := ev.(T); ok && (match == nil || match(e)) {
				return e
			}
		case <-deadline:
			t.Fatalf("no %T within %v", *new(T), within)
		}
	}
}

// loopback returns a distinct source address 127.0.0.n (Dovecot delays logins per address
// after a failure).
func loopback(n byte) net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, n)} }
