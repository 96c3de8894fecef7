package trustlist

import (
	"crypto/x509"
	_ "embed"
)

// The IGC-Santé ÉLÉMENTAIRE ORGANISATIONS CA certificate (public, valid 2013–2033). The
// ANS's list carries only its signer in KeyInfo; this certificate completes the chain when
// the trust store lacks it. It is never an anchor: the chain must still end at a
// configured root.
//
//go:embed igc-sante/ACI-EL-ORG.cer
var aciELOrg []byte

// knownIntermediates returns the embedded intermediates.
func knownIntermediates() []*x509.Certificate {
	c, err := x509.ParseCertificate(aciELOrg)
	if err != nil {
		return nil // cannot happen: the file is fixed and tested
	}
	return []*x509.Certificate{c}
}
