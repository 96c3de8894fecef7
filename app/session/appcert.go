package session

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"

	"comptoir/mail/provisioning"
	"comptoir/store"
)

// storedCredential is an APP BAL's structure certificate as the cache keeps it (sealed like
// every setting): the PKCS#8 key and the DER chain, leaf first.
type storedCredential struct {
	Key   []byte   `json:"key"`
	Chain [][]byte `json:"chain"`
}

// ErrNoCertificateKey: the structure certificate's key cannot be kept (not exportable).
var ErrNoCertificateKey = errors.New("session: the structure certificate's key cannot be stored")

// keepAppCertificate stores the structure certificate an APP BAL was created with, so that
// the session opens that BAL with it, never with the card.
func (s *Session) keepAppCertificate(bal string, oc *provisioning.OrgCertificate) error {
	key, err := x509.MarshalPKCS8PrivateKey(oc.TLS.PrivateKey)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNoCertificateKey, err)
	}
	raw, err := json.Marshal(storedCredential{Key: key, Chain: oc.TLS.Certificate})
	clear(key)
	if err != nil {
		return fmt.Errorf("session: keep APP certificate: %w", err)
	}
	if err := s.st.SetSetting(store.KeyBALCredential(bal), raw); err != nil {
		return fmt.Errorf("session: keep APP certificate: %w", err)
	}
	return nil
}

func (s *Session) loadAppCertificate(bal string) (*provisioning.OrgCertificate, error) {
	raw, err := s.st.Setting(store.KeyBALCredential(bal))
	if err != nil {
		return nil, err
	}
	var sc storedCredential
	if err := json.Unmarshal(raw, &sc); err != nil || len(sc.Chain) == 0 {
		return nil, fmt.Errorf("session: stored APP certificate of %s is unreadable", bal)
	}
	key, err := x509.ParsePKCS8PrivateKey(sc.Key)
	clear(sc.Key)
	if err != nil {
		return nil, fmt.Errorf("session: stored APP certificate key: %w", err)
	}
	leaf, err := x509.ParseCertificate(sc.Chain[0])
	if err != nil {
		return nil, fmt.Errorf("session: stored APP certificate: %w", err)
	}
	oc := &provisioning.OrgCertificate{TLS: tls.Certificate{Certificate: sc.Chain, PrivateKey: key, Leaf: leaf},
		StructureID: leaf.Subject.SerialNumber, Organisation: leaf.Subject.CommonName}
	if len(leaf.Subject.Organization) > 0 {
		oc.Organisation = leaf.Subject.Organization[0]
	}
	return oc, nil
}
