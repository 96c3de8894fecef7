package cps

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/pkcs11"
)

// removalPoll is how often a logged-in card checks that it is still in its reader.
const removalPoll = 200 * time.Millisecond

// Card is a logged-in CPS card session. Its methods are safe for concurrent use; the
// card's operations are serialised, as PKCS#11 sessions require.
type Card struct {
	m      *Module
	be     Backend
	slot   uint
	label  string
	serial string

	identity   Identity
	situations []Situation
	authCert   *x509.Certificate
	signCert   *x509.Certificate
	chain      [][]byte
	authKey    pkcs11.ObjectHandle
	signKey    pkcs11.ObjectHandle
	pkcs1, pss bool

	ops atomic.Int64

	mu     sync.Mutex // serialises use of sh
	sh     pkcs11.SessionHandle
	closed bool

	removed     chan struct{}
	removedOnce sync.Once
	stop        chan struct{}
	stopOnce    sync.Once
}

// Slot returns the reader slot the card is in.
func (c *Card) Slot() uint { return c.slot }

// Label returns the token label.
func (c *Card) Label() string { return c.label }

// Serial returns the token serial number.
func (c *Card) Serial() string { return c.serial }

// Identity returns the holder read from the authentication certificate.
func (c *Card) Identity() Identity { return c.identity }

// Situations returns the practice situations, in the order of the card's objects.
func (c *Card) Situations() []Situation {
	return append([]Situation(nil), c.situations...)
}

// AuthCertificate returns the authentication certificate.
func (c *Card) AuthCertificate() *x509.Certificate { return c.authCert }

// SignatureCertificate returns the signature certificate, or nil when the token has none.
func (c *Card) SignatureCertificate() *x509.Certificate { return c.signCert }

// SupportsPSS reports whether the token offers RSA-PSS (CPS4; a CPS3 does not).
func (c *Card) SupportsPSS() bool { return c.pss }

// MaxTLSVersion is tls.VersionTLS13 when the token offers RSA-PSS, which TLS 1.3 requires
// for the client's CertificateVerify, else tls.VersionTLS12.
func (c *Card) MaxTLSVersion() uint16 {
	if c.pss {
		return tls.VersionTLS13
	}
	return tls.VersionTLS12
}

// SignatureSchemes lists the TLS signature schemes the card can produce.
func (c *Card) SignatureSchemes() []tls.SignatureScheme {
	var s []tls.SignatureScheme
	if c.pss {
		s = append(s, tls.PSSWithSHA256, tls.PSSWithSHA384, tls.PSSWithSHA512)
	}
	return append(s, tls.PKCS1WithSHA256, tls.PKCS1WithSHA384, tls.PKCS1WithSHA512)
}

// TLSCertificate returns the authentication certificate with the CA certificates the
// card carries, a crypto.Signer on CPS_PRIV_AUT, and the signature schemes the token can
// make (so Go never asks a CPS3 for RSA-PSS).
func (c *Card) TLSCertificate() tls.Certificate {
	return tls.Certificate{
		Certificate:                  append([][]byte(nil), c.chain...),
		PrivateKey:                   &signer{c: c, key: c.authKey, pub: c.authCert.PublicKey},
		SupportedSignatureAlgorithms: c.SignatureSchemes(),
		Leaf:                         c.authCert,
	}
}

// DocumentSigner returns a crypto.Signer on CPS_PRIV_SIG, or nil when the token has no
// signature key.
func (c *Card) DocumentSigner() crypto.Signer {
	if c.signCert == nil {
		return nil
	}
	return &signer{c: c, key: c.signKey, pub: c.signCert.PublicKey}
}

// PrivateKeyOps returns the number of private-key operations sent to the card so far.
func (c *Card) PrivateKeyOps() int64 { return c.ops.Load() }

// Removed returns a channel closed when the card leaves its reader (or another card
// replaces it). Close does not close it.
func (c *Card) Removed() <-chan struct{} { return c.removed }

func (c *Card) isRemoved() bool {
	select {
	case <-c.removed:
		return true
	default:
		return false
	}
}

func (c *Card) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// markRemoved records that the card is gone; the session died with it.
func (c *Card) markRemoved() {
	c.removedOnce.Do(func() { close(c.removed) })
	c.stopOnce.Do(func() { close(c.stop) })
	c.m.forget(c)
}

// monitor polls the slot until the card leaves it or the session closes.
func (c *Card) monitor() {
	t := time.NewTicker(removalPoll)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		r, err := c.m.reader(c.slot)
		if err != nil {
			if isRemoval(err) {
				c.markRemoved()
				return
			}
			continue
		}
		if !r.CardPresent || r.Serial != c.serial {
			c.markRemoved()
			return
		}
	}
}

// Close logs out and closes the session. It is safe to call more than once and after
// the card was removed.
func (c *Card) Close() error {
	c.stopOnce.Do(func() { close(c.stop) })
	c.m.forget(c)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	if c.isRemoved() {
		_ = c.be.CloseSession(c.sh) // the token may still hold it; the error is moot
		return nil
	}
	if err := c.be.Logout(c.sh); err != nil && !hasCode(err, pkcs11.CKR_USER_NOT_LOGGED_IN) && !isRemoval(err) {
		_ = c.be.CloseSession(c.sh)
		return wrap("logout", err)
	}
	if err := c.be.CloseSession(c.sh); err != nil && !isRemoval(err) {
		return wrap("close session", err)
	}
	return nil
}

// end tears down a session whose Login failed half-way.
func (c *Card) end() {
	_ = c.be.Logout(c.sh)
	_ = c.be.CloseSession(c.sh)
}
