package cps

import (
	"bytes"
	"crypto/x509"
	"fmt"

	"github.com/miekg/pkcs11"
)

// Labels of the objects on a CPS card (ANS Cryptolib).
const (
	LabelAuthCert = "Certificat d'Authentification CPS"
	LabelAuthKey  = "CPS_PRIV_AUT"
	LabelSignCert = "Certificat de Signature CPS"
	LabelSignKey  = "CPS_PRIV_SIG"

	LabelIDCard   = "CPS_ID_CARD"
	LabelNamePS   = "CPS_NAME_PS"
	LabelInfoPS   = "CPS_INFO_PS"
	activityLabel = "CPS_ACTIVITY_%02d_PS" // 01 … 16, private
	maxActivities = 16
)

// object is a certificate or data object read from the token.
type object struct {
	handle pkcs11.ObjectHandle
	label  string
	id     []byte
	value  []byte
}

// find returns the handles of every object matching template.
func find(be Backend, sh pkcs11.SessionHandle, template []*pkcs11.Attribute) ([]pkcs11.ObjectHandle, error) {
	if err := be.FindObjectsInit(sh, template); err != nil {
		return nil, wrap("find objects", err)
	}
	var all []pkcs11.ObjectHandle
	for {
		hs, _, err := be.FindObjects(sh, 32)
		if err != nil {
			_ = be.FindObjectsFinal(sh)
			return nil, wrap("find objects", err)
		}
		if len(hs) == 0 {
			break
		}
		all = append(all, hs...)
	}
	if err := be.FindObjectsFinal(sh); err != nil {
		return nil, wrap("find objects", err)
	}
	return all, nil
}

// readObjects returns label, id and value of every object of class.
func readObjects(be Backend, sh pkcs11.SessionHandle, class uint) ([]object, error) {
	hs, err := find(be, sh, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_CLASS, class)})
	if err != nil {
		return nil, err
	}
	objs := make([]object, 0, len(hs))
	for _, h := range hs {
		want := []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_LABEL, nil),
			pkcs11.NewAttribute(pkcs11.CKA_VALUE, nil),
		}
		if class != pkcs11.CKO_DATA { // data objects have no CKA_ID
			want = append(want, pkcs11.NewAttribute(pkcs11.CKA_ID, nil))
		}
		attrs, err := be.GetAttributeValue(sh, h, want)
		if err != nil {
			if isRemoval(err) {
				return nil, wrap("read object", err)
			}
			continue // e.g. an object whose value is not readable
		}
		o := object{handle: h, label: string(attrs[0].Value), value: attrs[1].Value}
		if len(attrs) > 2 {
			o.id = attrs[2].Value
		}
		objs = append(objs, o)
	}
	return objs, nil
}

// keyByLabelOrID finds a private key by its CPS label, else by the CKA_ID of its
// certificate (other PKCS#11 tokens use other labels but keep the ids paired).
func keyByLabelOrID(be Backend, sh pkcs11.SessionHandle, label string, id []byte) (pkcs11.ObjectHandle, error) {
	class := pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY)
	hs, err := find(be, sh, []*pkcs11.Attribute{class, pkcs11.NewAttribute(pkcs11.CKA_LABEL, label)})
	if err != nil {
		return 0, err
	}
	if len(hs) == 0 && len(id) > 0 {
		hs, err = find(be, sh, []*pkcs11.Attribute{class, pkcs11.NewAttribute(pkcs11.CKA_ID, id)})
		if err != nil {
			return 0, err
		}
	}
	if len(hs) == 0 {
		return 0, fmt.Errorf("cps: private key %s: %w", label, ErrObjectNotFound)
	}
	return hs[0], nil
}

// certificates sorts the token's certificates: the authentication and signature ones
// (by CPS label, else by key usage) and the CA certificates the card also carries.
func certificates(objs []object) (auth, sign *object, authCert, signCert *x509.Certificate, cas []*x509.Certificate) {
	type parsed struct {
		o *object
		c *x509.Certificate
	}
	var all []parsed
	for i := range objs {
		c, err := x509.ParseCertificate(objs[i].value)
		if err != nil {
			continue
		}
		all = append(all, parsed{&objs[i], c})
	}
	for _, p := range all {
		switch p.o.label {
		case LabelAuthCert:
			auth, authCert = p.o, p.c
		case LabelSignCert:
			sign, signCert = p.o, p.c
		}
	}
	for _, p := range all {
		switch {
		case p.c.IsCA:
			cas = append(cas, p.c)
		case auth == nil && isAuthCert(p.c):
			auth, authCert = p.o, p.c
		case sign == nil && p.c.KeyUsage&x509.KeyUsageContentCommitment != 0 && p.o != auth:
			sign, signCert = p.o, p.c
		}
	}
	return auth, sign, authCert, signCert, cas
}

func isAuthCert(c *x509.Certificate) bool {
	for _, u := range c.ExtKeyUsage {
		if u == x509.ExtKeyUsageClientAuth {
			return true
		}
	}
	return len(c.ExtKeyUsage) == 0 && c.KeyUsage&x509.KeyUsageDigitalSignature != 0 &&
		c.KeyUsage&x509.KeyUsageContentCommitment == 0
}

// chainOf returns leaf followed by the CA certificates that issue it, from cas.
func chainOf(leaf *x509.Certificate, cas []*x509.Certificate) [][]byte {
	chain := [][]byte{leaf.Raw}
	cur := leaf
	for range len(cas) {
		var next *x509.Certificate
		for _, ca := range cas {
			if bytes.Equal(ca.RawSubject, cur.RawIssuer) && !bytes.Equal(ca.RawSubject, ca.RawIssuer) {
				next = ca
				break
			}
		}
		if next == nil {
			break
		}
		chain = append(chain, next.Raw)
		cur = next
	}
	return chain
}
