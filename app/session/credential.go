package session

import (
	"crypto"
	"crypto/tls"
	"errors"

	"comptoir/cps"
	"comptoir/mail/provisioning"
)

// Credential is what a session is opened with: CardCredential or AppCredential.
type Credential interface {
	// tlsCertificate is the client certificate for the holder's BALs; its PrivateKey signs.
	tlsCertificate() tls.Certificate
	maxTLS() uint16
	// cacheID names the holder's cache file (store.PathFor).
	cacheID() string
	identity() Identity
	// close logs the credential out (the card) when the session closes.
	close() error
}

// CardCredential is a logged-in CPS card. Situation indexes Card.Situations(): the practice
// situation the holder works in (its entity goes into the From display name); 0 when the
// card has one.
type CardCredential struct {
	Card      *cps.Card
	Situation int
}

func (c CardCredential) tlsCertificate() tls.Certificate { return c.Card.TLSCertificate() }
func (c CardCredential) maxTLS() uint16                  { return c.Card.MaxTLSVersion() }
func (c CardCredential) cacheID() string                 { return c.Card.Identity().NationalID }
func (c CardCredential) close() error                    { return c.Card.Close() }

func (c CardCredential) identity() Identity {
	id := c.Card.Identity()
	out := Identity{NationalID: id.NationalID, IDType: id.IDType.String(), GivenName: id.GivenName,
		Surname: id.Surname, Profession: id.Profession, Situations: c.Card.Situations()}
	if c.Situation >= 0 && c.Situation < len(out.Situations) {
		out.Situation = c.Situation
	}
	return out
}

// AppCredential is an APP BAL's structure certificate: the session opens that BAL alone,
// without a card (the pharmacy's software sending automatic mail).
type AppCredential struct {
	Cert *provisioning.OrgCertificate
	BAL  string // the APP BAL's address
}

func (a AppCredential) tlsCertificate() tls.Certificate { return a.Cert.TLS }
func (a AppCredential) maxTLS() uint16                  { return 0 }
func (a AppCredential) cacheID() string                 { return a.Cert.StructureID }
func (a AppCredential) close() error                    { return nil }

func (a AppCredential) identity() Identity {
	return Identity{NationalID: a.Cert.StructureID, Organisation: a.Cert.Organisation, App: true}
}

// ErrNoSigner: the credential's key cannot sign (the cache key is derived from a signature).
var ErrNoSigner = errors.New("session: the credential offers no signing key")

func signerOf(c Credential) (crypto.Signer, error) {
	s, ok := c.tlsCertificate().PrivateKey.(crypto.Signer)
	if !ok {
		return nil, ErrNoSigner
	}
	return s, nil
}
