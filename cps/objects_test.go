package cps_test

import (
	"crypto"
	"crypto/sha256"
	"testing"

	"comptoir/cps"
	"comptoir/cps/cpstest"

	"github.com/miekg/pkcs11"
)

// otherLabels makes the real token look like a non-CPS PKCS#11 token: its certificates and
// keys answer to other labels, so cps must pair them by usage and CKA_ID.
type otherLabels struct{ cps.Backend }

func (o otherLabels) FindObjectsInit(sh pkcs11.SessionHandle, tmpl []*pkcs11.Attribute) error {
	out := make([]*pkcs11.Attribute, len(tmpl))
	for i, a := range tmpl {
		out[i] = a
		if a.Type == pkcs11.CKA_LABEL {
			switch string(a.Value) {
			case cps.LabelAuthKey, cps.LabelSignKey, cps.LabelAuthCert, cps.LabelSignCert:
				out[i] = pkcs11.NewAttribute(pkcs11.CKA_LABEL, "absent")
			}
		}
	}
	return o.Backend.FindObjectsInit(sh, out)
}

func (o otherLabels) GetAttributeValue(sh pkcs11.SessionHandle, h pkcs11.ObjectHandle, a []*pkcs11.Attribute) ([]*pkcs11.Attribute, error) {
	attrs, err := o.Backend.GetAttributeValue(sh, h, a)
	for _, at := range attrs {
		if at.Type == pkcs11.CKA_LABEL {
			switch string(at.Value) {
			case cps.LabelAuthCert, cps.LabelSignCert:
				at.Value = []byte("Certificate")
			}
		}
	}
	return attrs, err
}

func TestObjectsFoundByIDOnOtherTokens(t *testing.T) {
	f := cpstest.NewFaults()
	m, err := cps.OpenWith(cards.ModulePath(), func(b cps.Backend) cps.Backend { return otherLabels{f.Wrap(b)} })
	if err != nil {
		t.Fatal(err)
	}
	fx := cpstest.Medecin
	c := login(t, m, fx)
	if got := c.Identity().NationalID; got != fx.NationalID {
		t.Fatalf("identity %q", got)
	}
	d := sha256.Sum256([]byte("x"))
	if _, err := c.TLSCertificate().PrivateKey.(crypto.Signer).Sign(nil, d[:], crypto.SHA256); err != nil {
		t.Fatalf("authentication key not paired: %v", err)
	}
	if c.DocumentSigner() == nil || c.SignatureCertificate().Equal(c.AuthCertificate()) {
		t.Fatal("signature pair not found by usage and CKA_ID")
	}
	if _, err := c.DocumentSigner().Sign(nil, d[:], crypto.SHA256); err != nil {
		t.Fatalf("signature key not paired: %v", err)
	}
}
