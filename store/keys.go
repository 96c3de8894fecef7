package store

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
)

// Domain separation strings. Changing any of them makes every existing cache unreadable.
const (
	challengeLabel = "Comptoir cache key v1: sign to unlock the local cache\x00"
	infoWrapKey    = "comptoir/store/v1/key-wrapping-key"
	wrapAAD        = "comptoir/store/v1/data-key"
	infoSealKey    = "comptoir/store/v1/value-key"
	infoTokenKey   = "comptoir/store/v1/token-key"
	saltSize       = 32
	dataKeySize    = 32
)

// challengeDigest is what the card signs: SHA-256 of a fixed label and the file's salt.
// PKCS#1 v1.5 signatures are deterministic, so the same card always yields the same bytes.
func challengeDigest(salt []byte) []byte {
	h := sha256.New()
	h.Write([]byte(challengeLabel))
	h.Write(salt)
	return h.Sum(nil)
}

// wrappingKey asks the card for its one signature and derives the key-wrapping key.
func wrappingKey(signer crypto.Signer, salt []byte) ([]byte, error) {
	if _, ok := signer.Public().(*rsa.PublicKey); !ok {
		return nil, ErrUnsupportedKey
	}
	sig, err := signer.Sign(rand.Reader, challengeDigest(salt), crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("store: card signature: %w", err)
	}
	defer wipe(sig)
	kwk, err := hkdf.Key(sha256.New, sig, salt, infoWrapKey, 32)
	if err != nil {
		return nil, fmt.Errorf("store: hkdf: %w", err)
	}
	return kwk, nil
}

// wrapDataKey wraps the data key for the card.
func wrapDataKey(kwk, dataKey []byte) ([]byte, error) { return wrapWith(kwk, dataKey, wrapAAD) }

// unwrapDataKey unwraps the card's wrapping: ErrWrongCard if kwk is not that card's.
func unwrapDataKey(kwk, wrapped []byte) ([]byte, error) {
	dk, err := unwrapWith(kwk, wrapped, wrapAAD)
	if errors.Is(err, errUnwrap) {
		return nil, ErrWrongCard
	}
	return dk, err
}

var errUnwrap = errors.New("data key does not unwrap")

// wrapWith seals the data key with a key-wrapping key (AES-256-GCM, random nonce); aad
// names the wrapping, so one cannot pass for another.
func wrapWith(kwk, dataKey []byte, aad string) ([]byte, error) {
	g, err := newGCM(kwk)
	if err != nil {
		return nil, err
	}
	return g.Seal(nil, nil, dataKey, []byte(aad)), nil
}

func unwrapWith(kwk, wrapped []byte, aad string) ([]byte, error) {
	g, err := newGCM(kwk)
	if err != nil {
		return nil, err
	}
	dk, err := g.Open(nil, nil, wrapped, []byte(aad))
	if err != nil || len(dk) != dataKeySize {
		wipe(dk)
		return nil, errUnwrap
	}
	return dk, nil
}

// newGCM is AES-256-GCM with a random 96-bit nonce prepended to each ciphertext.
func newGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("store: aes: %w", err)
	}
	g, err := cipher.NewGCMWithRandomNonce(b)
	if err != nil {
		return nil, fmt.Errorf("store: gcm: %w", err)
	}
	return g, nil
}

// sealKeys holds the keys of an unlocked store. Sealing keys are derived from the random
// data key, so a renewed card only re-wraps the data key.
type sealKeys struct {
	aead     cipher.AEAD // nil in the unencrypted benchmark variant
	tokenKey []byte
}

func newSealKeys(dataKey []byte, encrypt bool) (*sealKeys, error) {
	sk, err := hkdf.Key(sha256.New, dataKey, nil, infoSealKey, 32)
	if err != nil {
		return nil, fmt.Errorf("store: hkdf: %w", err)
	}
	defer wipe(sk)
	tk, err := hkdf.Key(sha256.New, dataKey, nil, infoTokenKey, 32)
	if err != nil {
		return nil, fmt.Errorf("store: hkdf: %w", err)
	}
	k := &sealKeys{tokenKey: tk}
	if encrypt {
		if k.aead, err = newGCM(sk); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// wipe zeroes the key bytes we own. The AES key schedule inside cipher.AEAD cannot be
// zeroed from Go; dropping the last reference is the best available.
func (k *sealKeys) wipe() {
	wipe(k.tokenKey)
	k.tokenKey = nil
	k.aead = nil
}

func wipe(b []byte) { clear(b) }

// aad binds a sealed value to its bucket and key: values cannot be swapped between records.
func aad(bucket string, key []byte) []byte {
	a := make([]byte, 0, len(bucket)+1+len(key))
	a = append(a, bucket...)
	a = append(a, 0)
	return append(a, key...)
}

func (k *sealKeys) seal(bucket string, key, plain []byte) []byte {
	if k.aead == nil {
		return append([]byte(nil), plain...)
	}
	return k.aead.Seal(nil, nil, plain, aad(bucket, key))
}

var errAuth = errors.New("value failed authentication")

func (k *sealKeys) open(bucket string, key, sealed []byte) ([]byte, error) {
	if k.aead == nil {
		return append([]byte(nil), sealed...), nil
	}
	p, err := k.aead.Open(nil, nil, sealed, aad(bucket, key))
	if err != nil {
		return nil, fmt.Errorf("%w: %s %x: %w", ErrCorrupt, bucket, key, errAuth)
	}
	return p, nil
}

// tokener computes keyed tokens (HMAC-SHA-256) of identifiers and words. Not safe for
// concurrent use: make one per operation.
type tokener struct {
	mac hash.Hash
	buf []byte
}

func (k *sealKeys) tokener() *tokener {
	return &tokener{mac: hmac.New(sha256.New, k.tokenKey)}
}

// sum returns HMAC(kind || 0 || s), truncated to n bytes (n <= 32).
func (t *tokener) sum(kind, s string, n int) []byte {
	t.mac.Reset()
	t.mac.Write([]byte(kind))
	t.mac.Write([]byte{0})
	t.mac.Write([]byte(s))
	t.buf = t.mac.Sum(t.buf[:0])
	return append([]byte(nil), t.buf[:n]...)
}
