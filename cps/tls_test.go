package cps_test

import (
	"context"
	"crypto/tls"
	"io"
	"strings"
	"testing"
	"time"

	"comptoir/cps"
	"comptoir/cps/cpstest"
)

// tlsServer is a local crypto/tls server requiring an IGC-Santé client certificate; it
// sends back the client's national id.
func tlsServer(t testing.TB, minV, maxV uint16) (addr string) {
	t.Helper()
	cert, err := pki.ServerCertificate()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pki.RootPool(),
		MinVersion:   minV,
		MaxVersion:   maxV,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				tc := conn.(*tls.Conn)
				_ = tc.SetDeadline(time.Now().Add(10 * time.Second))
				if tc.Handshake() != nil {
					return
				}
				id, err := cps.ParseIdentity(tc.ConnectionState().PeerCertificates[0])
				if err != nil {
					return
				}
				io.WriteString(tc, id.NationalID)
			}()
		}
	}()
	return ln.Addr().String()
}

// dial connects with the card, capped at maxV and at the card's own maximum, and returns
// what the server read from the certificate.
func dial(c *cps.Card, addr string, maxV uint16) (string, uint16, error) {
	cert := c.TLSCertificate()
	cfg := &tls.Config{
		RootCAs:    pki.RootPool(),
		ServerName: "127.0.0.1",
		MinVersion: tls.VersionTLS12,
		MaxVersion: min(maxV, c.MaxTLSVersion()),
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return &cert, nil
		},
	}
	d := tls.Dialer{Config: cfg}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", 0, err
	}
	defer conn.Close()
	// With TLS 1.3 a refused client certificate shows at the first read.
	b, err := io.ReadAll(conn)
	if err != nil {
		return "", 0, err
	}
	return string(b), conn.(*tls.Conn).ConnectionState().Version, nil
}

func TestMutualTLSWithEachCard(t *testing.T) {
	m, _ := openModule(t)
	servers := map[uint16]string{
		tls.VersionTLS12: tlsServer(t, tls.VersionTLS12, tls.VersionTLS12),
		tls.VersionTLS13: tlsServer(t, tls.VersionTLS13, tls.VersionTLS13),
	}
	for _, fx := range cpstest.Fixtures() {
		c := login(t, m, fx)
		for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
			t.Run(fx.Label+"/"+tls.VersionName(v), func(t *testing.T) {
				before := c.PrivateKeyOps()
				got, version, err := dial(c, servers[v], tls.VersionTLS13)
				ops := c.PrivateKeyOps() - before
				if fx.NoPSS && v == tls.VersionTLS13 {
					// A CPS3 cannot sign TLS 1.3's CertificateVerify: the client never offers
					// 1.3, and a 1.3-only server refuses the protocol version up front.
					if err == nil || !strings.Contains(err.Error(), "protocol version") {
						t.Fatalf("CPS3 against a TLS 1.3-only server: err = %v, want a protocol version error", err)
					}
					if ops != 0 {
						t.Fatalf("%d card operations for a refused handshake", ops)
					}
					if c.MaxTLSVersion() != tls.VersionTLS12 {
						t.Fatalf("CPS3 MaxTLSVersion = %s", tls.VersionName(c.MaxTLSVersion()))
					}
					return
				}
				if err != nil {
					t.Fatalf("handshake: %v", err)
				}
				if version != v {
					t.Fatalf("negotiated %s", tls.VersionName(version))
				}
				if got != fx.NationalID {
					t.Fatalf("server saw %q, want %q", got, fx.NationalID)
				}
				if ops != 1 {
					t.Fatalf("%d private-key operations for one handshake, want 1", ops)
				}
			})
		}
	}
}

func TestCPS3NeverSignsPSS(t *testing.T) {
	m, f := openModule(t)
	c := login(t, m, cpstest.PharmacienCPS3)
	for _, s := range c.TLSCertificate().SupportedSignatureAlgorithms {
		switch s {
		case tls.PSSWithSHA256, tls.PSSWithSHA384, tls.PSSWithSHA512:
			t.Fatalf("CPS3 advertises %v", s)
		}
	}
	// A TLS 1.2 server that prefers RSA-PSS still gets a PKCS#1 v1.5 signature.
	addr := tlsServer(t, tls.VersionTLS12, tls.VersionTLS13)
	if _, v, err := dial(c, addr, tls.VersionTLS13); err != nil || v != tls.VersionTLS12 {
		t.Fatalf("CPS3 on a 1.2/1.3 server: version %s, err %v", tls.VersionName(v), err)
	}
	if n := f.SignCalls(cpstest.PharmacienCPS3.Label); n != 1 {
		t.Fatalf("%d signatures reached the card, want 1", n)
	}
}

// BenchmarkMutualTLSHandshake is one full mutual-TLS connection on loopback with the
// card's key (TLS 1.3, RSA-PSS), and the card operations it costs.
func BenchmarkMutualTLSHandshake(b *testing.B) {
	m, _ := openModule(b)
	c := login(b, m, cpstest.Titulaire)
	addr := tlsServer(b, tls.VersionTLS12, tls.VersionTLS13)
	before := c.PrivateKeyOps()
	for b.Loop() {
		if _, _, err := dial(c, addr, tls.VersionTLS13); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(c.PrivateKeyOps()-before)/float64(b.N), "cardops/op")
}
