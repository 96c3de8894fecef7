package cps_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"testing"

	"comptoir/cps"
	"comptoir/cps/cpstest"
)

func TestSignaturesVerify(t *testing.T) {
	m, _ := openModule(t)
	c := login(t, m, cpstest.Titulaire)
	msg := []byte("ordonnance n° 42")
	d256 := sha256.Sum256(msg)
	d384 := sha512.Sum384(msg)
	cases := []struct {
		name   string
		signer crypto.Signer
		digest []byte
		opts   crypto.SignerOpts
	}{
		{"auth PKCS#1 v1.5 SHA-256", c.TLSCertificate().PrivateKey.(crypto.Signer), d256[:], crypto.SHA256},
		{"auth PSS SHA-256", c.TLSCertificate().PrivateKey.(crypto.Signer), d256[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}},
		{"auth PSS SHA-384", c.TLSCertificate().PrivateKey.(crypto.Signer), d384[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA384}},
		{"document PKCS#1 v1.5 SHA-384", c.DocumentSigner(), d384[:], crypto.SHA384},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := c.PrivateKeyOps()
			sig, err := tc.signer.Sign(rand.Reader, tc.digest, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if n := c.PrivateKeyOps() - before; n != 1 {
				t.Fatalf("%d operations counted", n)
			}
			pub := tc.signer.Public().(*rsa.PublicKey)
			if pss, ok := tc.opts.(*rsa.PSSOptions); ok {
				err = rsa.VerifyPSS(pub, pss.Hash, tc.digest, sig, pss)
			} else {
				err = rsa.VerifyPKCS1v15(pub, tc.opts.HashFunc(), tc.digest, sig)
			}
			if err != nil {
				t.Fatalf("signature does not verify: %v", err)
			}
		})
	}
	if !c.DocumentSigner().Public().(*rsa.PublicKey).Equal(c.SignatureCertificate().PublicKey) {
		t.Fatal("document signer is not the signature certificate's key")
	}
}

func TestSignerRejectsBadInput(t *testing.T) {
	m, _ := openModule(t)
	c := login(t, m, cpstest.PharmacienCPS3)
	s := c.TLSCertificate().PrivateKey.(crypto.Signer)
	d := sha256.Sum256([]byte("x"))
	if _, err := s.Sign(nil, d[:], &rsa.PSSOptions{Hash: crypto.SHA256}); !errors.Is(err, cps.ErrMechanism) {
		t.Fatalf("PSS on a CPS3: err = %v, want ErrMechanism", err)
	}
	if _, err := s.Sign(nil, d[:10], crypto.SHA256); err == nil {
		t.Fatal("short digest accepted")
	}
	if c.PrivateKeyOps() != 0 {
		t.Fatalf("refused requests reached the card (%d ops)", c.PrivateKeyOps())
	}
	c.Close()
	if _, err := s.Sign(nil, d[:], crypto.SHA256); !errors.Is(err, cps.ErrClosed) {
		t.Fatalf("sign after Close: err = %v, want ErrClosed", err)
	}
}

// BenchmarkSign measures one signature by the card's authentication key (SoftHSM: the
// cost of the PKCS#11 path; a real card adds 0.1–0.5 s).
func BenchmarkSign(b *testing.B) {
	m, _ := openModule(b)
	c := login(b, m, cpstest.Titulaire)
	s := c.TLSCertificate().PrivateKey.(crypto.Signer)
	d := sha256.Sum256([]byte("bench"))
	for _, bc := range []struct {
		name string
		opts crypto.SignerOpts
	}{
		{"PKCS1v15", crypto.SHA256},
		{"PSS", &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			before := c.PrivateKeyOps()
			for b.Loop() {
				if _, err := s.Sign(nil, d[:], bc.opts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(c.PrivateKeyOps()-before)/float64(b.N), "cardops/op")
		})
	}
}
