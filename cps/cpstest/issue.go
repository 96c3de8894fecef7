package cpstest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// leafLifetime is how long issued certificates stay valid.
const leafLifetime = 3 * 365 * 24 * time.Hour

// LoopbackHosts are the names ServerCertificate uses when given none.
var LoopbackHosts = []string{"127.0.0.1", "::1", "localhost"}

// IssuePerson issues the authentication certificate of p's card (PERSONNES CA, CPS
// subject layout, client authentication). The key is cached in the PKI directory per
// national id, so a reissued card keeps its key.
func (p *PKI) IssuePerson(person Person) (*x509.Certificate, *rsa.PrivateKey, error) {
	return p.issuePerson(person, "aut", x509.KeyUsageDigitalSignature,
		[]x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageEmailProtection})
}

// PersonCertificate is IssuePerson as a software tls.Certificate (chain with the
// PERSONNES intermediate), for tests that need a card holder's TLS identity without a
// token. The key is the one the test card of the same national id carries.
func (p *PKI) PersonCertificate(person Person) (tls.Certificate, error) {
	cert, key, err := p.IssuePerson(person)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tlsChain(cert, p.personnes.cert, key), nil
}

// IssuePersonSignature issues the signature certificate of p's card (non-repudiation).
func (p *PKI) IssuePersonSignature(person Person) (*x509.Certificate, *rsa.PrivateKey, error) {
	return p.issuePerson(person, "sig", x509.KeyUsageContentCommitment, nil)
}

func (p *PKI) issuePerson(person Person, use string, ku x509.KeyUsage, eku []x509.ExtKeyUsage) (*x509.Certificate, *rsa.PrivateKey, error) {
	if person.NationalID == "" {
		return nil, nil, errors.New("cpstest: issue person: empty national id")
	}
	subject, err := person.subject()
	if err != nil {
		return nil, nil, fmt.Errorf("cpstest: subject of %s: %w", person.NationalID, err)
	}
	key, err := p.key("person-" + person.NationalID + "-" + use)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		RawSubject:  subject,
		KeyUsage:    ku,
		ExtKeyUsage: eku,
	}
	cert, err := p.issue(p.personnes, tmpl, &key.PublicKey)
	if err != nil {
		return nil, nil, err
	}
	return cert, key, nil
}

// IssueOrganisation issues an IGC-Santé organisation (software) certificate for a
// structure, as an application mailbox (APP BAL) uses to authenticate. The subject is
// O=<name>, OU=1<finess> (structure id type 1 + FINESS), CN=<name>, serialNumber=1<finess>.
// The chain holds the ORGANISATIONS intermediate.
func (p *PKI) IssueOrganisation(name, finess string) (tls.Certificate, error) {
	if name == "" || finess == "" {
		return tls.Certificate{}, errors.New("cpstest: issue organisation: empty name or FINESS")
	}
	key, err := p.key("org-" + finess)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		Subject: pkix.Name{
			Country:            []string{"FR"},
			Organization:       []string{name},
			OrganizationalUnit: []string{"1" + finess},
			CommonName:         name,
			SerialNumber:       "1" + finess,
		},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageEmailProtection},
	}
	return p.issueTLS(p.organisations, tmpl, key)
}

// ServerCertificate issues a TLS server certificate for hosts (names or IP addresses;
// LoopbackHosts when none), chaining to the ORGANISATIONS intermediate.
func (p *PKI) ServerCertificate(hosts ...string) (tls.Certificate, error) {
	return p.IssueServer(ServerOptions{Hosts: hosts})
}

// ServerCertificateCRL is ServerCertificate with CRL distribution points under crlBase
// (see ServerOptions.CRLBase).
func (p *PKI) ServerCertificateCRL(crlBase string, hosts ...string) (tls.Certificate, error) {
	return p.IssueServer(ServerOptions{Hosts: hosts, CRLBase: crlBase})
}

// ServerOptions describe a server certificate for IssueServer. The zero value is what
// ServerCertificate issues: loopback hosts, ORGANISATIONS CA, serverAuth.
type ServerOptions struct {
	Hosts []string // names or IP addresses; LoopbackHosts when empty
	// ByPersonnes issues it from the PERSONNES intermediate (the cards' CA), which must
	// never vouch for a server.
	ByPersonnes bool
	// NoServerAuth leaves out the extended key usage extension altogether.
	NoServerAuth bool
	// CRLBase, an http:// URL, makes the chain name CRL distribution points under it:
	// <CRLBase>/<ca>.crl (root.crl, personnes.crl, organisations.crl), as IGC-Santé
	// certificates do; serve them with CRLHandler (or ServeCRLs). The chain then holds
	// the intermediate reissued with a distribution point for the root's CRL.
	CRLBase string
}

// IssueServer issues a TLS server certificate as o says; its chain holds the issuing
// intermediate.
func (p *PKI) IssueServer(o ServerOptions) (tls.Certificate, error) {
	hosts := o.Hosts
	if len(hosts) == 0 {
		hosts = LoopbackHosts
	}
	key, err := p.key("server")
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		Subject: pkix.Name{
			Country:      []string{"FR"},
			Organization: []string{"COMPTOIR TEST"},
			CommonName:   hosts[0],
		},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if o.NoServerAuth {
		tmpl.ExtKeyUsage = nil
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	ca := p.organisations
	if o.ByPersonnes {
		ca = p.personnes
	}
	base := strings.TrimRight(o.CRLBase, "/")
	if base == "" {
		return p.issueTLS(ca, tmpl, key)
	}
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		return tls.Certificate{}, fmt.Errorf("cpstest: CRL base %q is not an http URL", o.CRLBase)
	}
	tmpl.CRLDistributionPoints = []string{crlURL(base, ca)}
	cert, err := p.issue(ca, tmpl, &key.PublicKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	p.mu.Lock()
	inter, err := p.intermediateFor(ca, base)
	p.mu.Unlock()
	if err != nil {
		return tls.Certificate{}, err
	}
	return tlsChain(cert, inter, key), nil
}

// issueTLS issues tmpl for key under ca as a tls.Certificate with its chain.
func (p *PKI) issueTLS(ca *authority, tmpl *x509.Certificate, key *rsa.PrivateKey) (tls.Certificate, error) {
	cert, err := p.issue(ca, tmpl, &key.PublicKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tlsChain(cert, ca.cert, key), nil
}

// tlsChain is cert with its key and the intermediate that issued it.
func tlsChain(cert *x509.Certificate, issuer *x509.Certificate, key *rsa.PrivateKey) tls.Certificate {
	return tls.Certificate{Certificate: [][]byte{cert.Raw, issuer.Raw}, PrivateKey: key, Leaf: cert}
}

// issue signs tmpl with ca and records the issuer (under p.mu: the state file is shared).
func (p *PKI) issue(ca *authority, tmpl *x509.Certificate, pub *rsa.PublicKey) (*x509.Certificate, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	tmpl.SerialNumber = newSerial()
	tmpl.NotBefore = now.Add(-time.Hour)
	tmpl.NotAfter = now.Add(leafLifetime)
	if tmpl.NotAfter.After(ca.cert.NotAfter) {
		tmpl.NotAfter = ca.cert.NotAfter
	}
	tmpl.BasicConstraintsValid = true
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, pub, ca.key)
	if err != nil {
		return nil, fmt.Errorf("cpstest: issue under %s: %w", ca.cert.Subject.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("cpstest: parse issued certificate: %w", err)
	}
	p.state.Issuer[cert.SerialNumber.Text(16)] = ca.file
	if err := p.saveState(); err != nil {
		return nil, err
	}
	return cert, nil
}
