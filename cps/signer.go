package cps

import (
	"crypto"
	"crypto/rsa"
	"fmt"
	"io"

	"github.com/miekg/pkcs11"
)

// signer is a crypto.Signer on one private key of the card.
type signer struct {
	c   *Card
	key pkcs11.ObjectHandle
	pub crypto.PublicKey
}

func (s *signer) Public() crypto.PublicKey { return s.pub }

// Sign signs an already-hashed digest: with RSA-PSS when opts is *rsa.PSSOptions (only if
// the token offers CKM_RSA_PKCS_PSS), else PKCS#1 v1.5 (CKM_RSA_PKCS over the DigestInfo).
// The random source is unused: the card draws its own.
func (s *signer) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	h := opts.HashFunc()
	if h != 0 && len(digest) != h.Size() {
		return nil, fmt.Errorf("cps: sign: digest is %d bytes, %v wants %d", len(digest), h, h.Size())
	}
	if pss, ok := opts.(*rsa.PSSOptions); ok {
		if !s.c.pss {
			return nil, fmt.Errorf("cps: sign RSA-PSS: %w", ErrMechanism)
		}
		mech, err := pssMechanism(h, pss.SaltLength)
		if err != nil {
			return nil, err
		}
		return s.c.sign(s.key, mech, digest)
	}
	prefix, ok := digestInfo[h]
	if !ok {
		return nil, fmt.Errorf("cps: sign: unsupported hash %v", h)
	}
	msg := make([]byte, 0, len(prefix)+len(digest))
	msg = append(append(msg, prefix...), digest...)
	return s.c.sign(s.key, pkcs11.NewMechanism(pkcs11.CKM_RSA_PKCS, nil), msg)
}

// sign runs one private-key operation on the card.
func (c *Card) sign(key pkcs11.ObjectHandle, mech *pkcs11.Mechanism, data []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClosed
	}
	if c.isRemoved() {
		return nil, fmt.Errorf("cps: sign: %w", ErrCardRemoved)
	}
	c.ops.Add(1)
	err := c.be.SignInit(c.sh, []*pkcs11.Mechanism{mech}, key)
	var sig []byte
	if err == nil {
		sig, err = c.be.Sign(c.sh, data)
	}
	if err != nil {
		if isRemoval(err) {
			c.markRemoved()
			return nil, fmt.Errorf("cps: sign: %w", ErrCardRemoved)
		}
		if hasCode(err, pkcs11.CKR_MECHANISM_INVALID) {
			return nil, fmt.Errorf("cps: sign: %w (%v)", ErrMechanism, err)
		}
		return nil, wrap("sign", err)
	}
	return sig, nil
}

// pssMechanism builds CKM_RSA_PKCS_PSS for hash h; a salt the length of the hash unless
// opts ask for a given length.
func pssMechanism(h crypto.Hash, saltLength int) (*pkcs11.Mechanism, error) {
	var hashMech, mgf uint
	switch h {
	case crypto.SHA1:
		hashMech, mgf = pkcs11.CKM_SHA_1, pkcs11.CKG_MGF1_SHA1
	case crypto.SHA224:
		hashMech, mgf = pkcs11.CKM_SHA224, pkcs11.CKG_MGF1_SHA224
	case crypto.SHA256:
		hashMech, mgf = pkcs11.CKM_SHA256, pkcs11.CKG_MGF1_SHA256
	case crypto.SHA384:
		hashMech, mgf = pkcs11.CKM_SHA384, pkcs11.CKG_MGF1_SHA384
	case crypto.SHA512:
		hashMech, mgf = pkcs11.CKM_SHA512, pkcs11.CKG_MGF1_SHA512
	default:
		return nil, fmt.Errorf("cps: sign RSA-PSS: unsupported hash %v", h)
	}
	salt := h.Size()
	if saltLength > 0 {
		salt = saltLength
	}
	return pkcs11.NewMechanism(pkcs11.CKM_RSA_PKCS_PSS, pkcs11.NewPSSParams(hashMech, mgf, uint(salt))), nil
}

// digestInfo holds the DER DigestInfo prefixes of RFC 8017 §9.2; hash 0 signs raw data
// (the MD5+SHA-1 concatenation of TLS 1.0/1.1).
var digestInfo = map[crypto.Hash][]byte{
	0:              {},
	crypto.MD5SHA1: {},
	crypto.SHA1:    {0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14},
	crypto.SHA224:  {0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04, 0x05, 0x00, 0x04, 0x1c},
	crypto.SHA256:  {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20},
	crypto.SHA384:  {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30},
	crypto.SHA512:  {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40},
}
