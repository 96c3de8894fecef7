package store

import (
	"crypto"
	"crypto/rsa"
	"io"
	"math/big"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testKey returns a fixed RSA-2048 key derived from seed: the same bytes on every run and
// machine (our own prime search over a ChaCha8 stream, independent of crypto/rsa's key
// generation), so fixture files stay openable. It is not a secret and protects nothing.
func testKey(seed byte) *rsa.PrivateKey {
	return testKeys(seed)
}

var testKeys = func() func(byte) *rsa.PrivateKey {
	var mu sync.Mutex
	cache := map[byte]*rsa.PrivateKey{}
	return func(seed byte) *rsa.PrivateKey {
		mu.Lock()
		defer mu.Unlock()
		if k, ok := cache[seed]; ok {
			return k
		}
		var s [32]byte
		copy(s[:], "comptoir store test key")
		s[31] = seed
		r := rand.NewChaCha8(s)
		e := big.NewInt(65537)
		prime := func() *big.Int {
			buf := make([]byte, 128)
			r.Read(buf)
			buf[0] |= 0xc0
			buf[127] |= 1
			p := new(big.Int).SetBytes(buf)
			two := big.NewInt(2)
			for {
				pm1 := new(big.Int).Sub(p, big.NewInt(1))
				if p.ProbablyPrime(20) && new(big.Int).GCD(nil, nil, pm1, e).Cmp(big.NewInt(1)) == 0 {
					return p
				}
				p.Add(p, two)
			}
		}
		p, q := prime(), prime()
		n := new(big.Int).Mul(p, q)
		phi := new(big.Int).Mul(new(big.Int).Sub(p, big.NewInt(1)), new(big.Int).Sub(q, big.NewInt(1)))
		d := new(big.Int).ModInverse(e, phi)
		k := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: n, E: 65537}, D: d, Primes: []*big.Int{p, q}}
		k.Precompute()
		if err := k.Validate(); err != nil {
			panic(err)
		}
		cache[seed] = k
		return k
	}
}()

// countingSigner counts private-key operations, as the card does.
type countingSigner struct {
	crypto.Signer
	n atomic.Int64
}

func (c *countingSigner) Sign(r io.Reader, digest []byte, o crypto.SignerOpts) ([]byte, error) {
	c.n.Add(1)
	return c.Signer.Sign(r, digest, o)
}

func newSigner(seed byte) *countingSigner { return &countingSigner{Signer: testKey(seed)} }

// openTest opens a fresh store in a temp dir with card 1.
func openTest(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cache.db")
	s, err := Open(path, newSigner(1), Options{LockTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}
