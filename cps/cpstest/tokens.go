package cpstest

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"fmt"

	"comptoir/cps"

	"github.com/miekg/pkcs11"
)

// writeToken initialises the blank SoftHSM token as f's card and writes its objects.
func writeToken(p11 *pkcs11.Ctx, f Fixture, pki *PKI) error {
	authCert, authKey, err := pki.issuePerson(f.Person, keyUse("aut", f.renewal), x509.KeyUsageDigitalSignature,
		[]x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageEmailProtection})
	if err != nil {
		return err
	}
	signCert, signKey, err := pki.issuePerson(f.Person, keyUse("sig", f.renewal), x509.KeyUsageContentCommitment, nil)
	if err != nil {
		return err
	}
	free, err := findSlot(p11, func(ti pkcs11.TokenInfo) bool { return ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED == 0 })
	if err != nil {
		return fmt.Errorf("cpstest: no blank SoftHSM token for %s: %w", f.Label, err)
	}
	if err := p11.InitToken(free, soPIN, f.Label); err != nil {
		return fmt.Errorf("cpstest: init token %s: %w", f.Label, err)
	}
	// SoftHSM moves an initialised token to a slot named after its serial.
	slot, err := findSlot(p11, func(ti pkcs11.TokenInfo) bool {
		return ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED != 0 && trimLabel(ti.Label) == f.Label
	})
	if err != nil {
		return fmt.Errorf("cpstest: token %s after init: %w", f.Label, err)
	}
	sh, err := p11.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	if err != nil {
		return fmt.Errorf("cpstest: session on %s: %w", f.Label, err)
	}
	defer p11.CloseSession(sh)
	step := func(what string, err error) error {
		if err != nil {
			return fmt.Errorf("cpstest: %s on %s: %w", what, f.Label, err)
		}
		return nil
	}
	if err := step("SO login", p11.Login(sh, pkcs11.CKU_SO, soPIN)); err != nil {
		return err
	}
	if err := step("init PIN", p11.InitPIN(sh, f.PIN)); err != nil {
		return err
	}
	if err := step("SO logout", p11.Logout(sh)); err != nil {
		return err
	}
	if err := step("login", p11.Login(sh, pkcs11.CKU_USER, f.PIN)); err != nil {
		return err
	}
	defer p11.Logout(sh)

	var objects [][]*pkcs11.Attribute
	objects = append(objects,
		privateKey(cps.LabelAuthKey, []byte{1}, authCert, authKey),
		certificate(cps.LabelAuthCert, []byte{1}, authCert, 1),
		privateKey(cps.LabelSignKey, []byte{2}, signCert, signKey),
		certificate(cps.LabelSignCert, []byte{2}, signCert, 1),
		certificate(PersonnesName, []byte{0xa0}, pki.Personnes(), 2),
		data(cps.LabelIDCard, false, []byte(f.NationalID)),
		data(cps.LabelNamePS, false, []byte(f.Surname+" "+f.GivenName)),
		data(cps.LabelInfoPS, false, []byte("00"+f.Specialty)),
	)
	for i, s := range f.Situations {
		objects = append(objects, data(fmt.Sprintf("CPS_ACTIVITY_%02d_PS", i+1), true, ActivityTLV(s)))
	}
	for _, o := range objects {
		if _, err := p11.CreateObject(sh, o); err != nil {
			return fmt.Errorf("cpstest: create %s on %s: %w", o[len(o)-1].Value, f.Label, err)
		}
	}
	return nil
}

// keyUse names the key of a card's use ("aut", "sig"): a renewed card has new keys.
func keyUse(use string, renewal int) string {
	if renewal == 0 {
		return use
	}
	return fmt.Sprintf("%s-renewal%d", use, renewal)
}

// findSlot returns the first slot whose token matches.
func findSlot(p11 *pkcs11.Ctx, match func(pkcs11.TokenInfo) bool) (uint, error) {
	slots, err := p11.GetSlotList(true)
	if err != nil {
		return 0, err
	}
	for _, s := range slots {
		ti, err := p11.GetTokenInfo(s)
		if err == nil && match(ti) {
			return s, nil
		}
	}
	return 0, fmt.Errorf("no matching token in %d slots", len(slots))
}

// The templates below end with CKA_LABEL, which error messages quote. Like a CPS, the
// token holds no public-key objects: the certificates carry the public keys.

func privateKey(label string, id []byte, cert *x509.Certificate, k *rsa.PrivateKey) []*pkcs11.Attribute {
	k.Precompute()
	return []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_RSA),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, false),
		pkcs11.NewAttribute(pkcs11.CKA_SIGN, true),
		pkcs11.NewAttribute(pkcs11.CKA_DECRYPT, false),
		pkcs11.NewAttribute(pkcs11.CKA_ID, id),
		pkcs11.NewAttribute(pkcs11.CKA_SUBJECT, cert.RawSubject),
		pkcs11.NewAttribute(pkcs11.CKA_MODULUS, k.N.Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_PUBLIC_EXPONENT, bigEndian(k.E)),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE_EXPONENT, k.D.Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_PRIME_1, k.Primes[0].Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_PRIME_2, k.Primes[1].Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_EXPONENT_1, k.Precomputed.Dp.Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_EXPONENT_2, k.Precomputed.Dq.Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_COEFFICIENT, k.Precomputed.Qinv.Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
	}
}

// certificate templates an X.509 certificate object; category 1 is the holder's, 2 a CA.
func certificate(label string, id []byte, cert *x509.Certificate, category uint) []*pkcs11.Attribute {
	serial, _ := asn1.Marshal(cert.SerialNumber) // a big.Int always marshals
	return []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_CERTIFICATE),
		pkcs11.NewAttribute(pkcs11.CKA_CERTIFICATE_TYPE, pkcs11.CKC_X_509),
		pkcs11.NewAttribute(pkcs11.CKA_CERTIFICATE_CATEGORY, category),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, false),
		pkcs11.NewAttribute(pkcs11.CKA_ID, id),
		pkcs11.NewAttribute(pkcs11.CKA_SUBJECT, cert.RawSubject),
		pkcs11.NewAttribute(pkcs11.CKA_ISSUER, cert.RawIssuer),
		pkcs11.NewAttribute(pkcs11.CKA_SERIAL_NUMBER, serial),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, cert.Raw),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
	}
}

func data(label string, private bool, value []byte) []*pkcs11.Attribute {
	return []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_DATA),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, private),
		pkcs11.NewAttribute(pkcs11.CKA_APPLICATION, "CPS"),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, value),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
	}
}

func bigEndian(e int) []byte {
	var b []byte
	for ; e > 0; e >>= 8 {
		b = append([]byte{byte(e)}, b...)
	}
	return b
}
