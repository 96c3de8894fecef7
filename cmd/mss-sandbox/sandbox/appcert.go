package sandbox

import (
	"crypto/tls"
	"errors"
	"fmt"
	"strings"

	"comptoir/mail/provisioning"
)

// OrganisationIssuer issues IGC-Santé organisation certificates; *cpstest.PKI implements it.
type OrganisationIssuer interface {
	IssueOrganisation(name, finess string) (tls.Certificate, error)
}

// ErrNoAppStructure: the BAL is unknown, or is neither an APP BAL nor an ORG BAL with a
// FINESS, so no organisation certificate can be issued for it.
var ErrNoAppStructure = errors.New("sandbox: no APP or ORG BAL with a FINESS at this address")

// IssueAppCertificate issues, from pki, the test organisation certificate that opens the
// APP BAL addr of the sandbox whose data directory is dataDir: the certificate of its
// structure (subject serialNumber 1<FINESS>, the identity the APP BAL was created with).
// addr may also be the structure's ORG BAL, to get the certificate an APP BAL request
// needs before the APP BAL exists. It reads the persisted state, so it works whether or not
// the sandbox is serving.
func IssueAppCertificate(dataDir string, pki OrganisationIssuer, addr string) (tls.Certificate, error) {
	reg, err := openRegistry(dataDir)
	if err != nil {
		return tls.Certificate{}, err
	}
	b := reg.bal(addr)
	if b == nil || b.Structure == nil || (b.Kind != provisioning.KindAPP && b.Kind != provisioning.KindORG) ||
		!reFINESS.MatchString(b.Structure.FINESS) {
		return tls.Certificate{}, fmt.Errorf("%w: %s", ErrNoAppStructure, addr)
	}
	finess := b.Structure.FINESS
	if b.Kind == provisioning.KindAPP && b.AppIdentity != "" && b.AppIdentity != "1"+finess {
		// Created with another identity than its structure's: not one this PKI reissues.
		return tls.Certificate{}, fmt.Errorf("%w: %s opens with identity %s", ErrNoAppStructure, addr, b.AppIdentity)
	}
	cert, err := pki.IssueOrganisation(strings.ToUpper(b.Structure.Name), finess)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("sandbox: issue organisation certificate for %s: %w", addr, err)
	}
	return cert, nil
}
