package sandbox

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// Fixed values of the sandbox.
const (
	DefaultDomain  = "sandbox.mssante.test"
	PatientDomain  = "patient.mssante.fr"
	CurrentCGU     = "2026.1"
	defaultListen  = "127.0.0.1:0"
	defaultMaxSize = 50 << 20
	// DefaultMaxPatientSize is Mon Espace Santé's limit.
	DefaultMaxPatientSize = 25 << 20
)

// PKI is what the sandbox needs from the test IGC-Santé PKI; *cpstest.PKI implements it.
type PKI interface {
	RootPEM() []byte
	RootPool() *x509.CertPool
	// CRLs returns the current DER CRL of every CA; read at each handshake so that a
	// revocation takes effect at once.
	CRLs() [][]byte
	// ServerCertificateCRL issues the server certificate for hosts; its chain names
	// <crlBase>/<ca>.crl as CRL distribution points, which CRLHandler serves. The sandbox
	// serves them on its loopback HTTP port, as the IGC-Santé does on
	// igc-sante.esante.gouv.fr.
	ServerCertificateCRL(crlBase string, hosts ...string) (tls.Certificate, error)
	CRLHandler() http.Handler
	// IssueOrganisation issues the certificate the published trust list is signed with.
	IssueOrganisation(name, finess string) (tls.Certificate, error)
}

// Options configures Start.
type Options struct {
	DataDir string // required: state, mail, published files
	PKI     PKI    // required
	Domain  string // default DefaultDomain
	// ValidationDelay is the time between a BAL's creation and its activation (default 24 h,
	// as at the ANS); a few seconds in demos and tests.
	ValidationDelay time.Duration
	Seed            bool   // create the demo BALs and messages when the data dir is empty
	Listen          string // host:port base; every service listens on host with its own port; default 127.0.0.1:0
	MaxPatientSize  int64  // default DefaultMaxPatientSize
	MaxSize         int64  // SMTP SIZE limit, default 50 MB
	// PSC tunes the Pro Santé Connect stand-in and its intermediate server.
	PSC    PSCOptions
	Logger *slog.Logger
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
	// WrapAPI, when set, wraps the provisioning API's HTTP handler (tests record what
	// reaches the operator).
	WrapAPI func(http.Handler) http.Handler
}

func (o *Options) setDefaults() error {
	if o.DataDir == "" {
		return fmt.Errorf("sandbox: Options.DataDir is required")
	}
	if o.PKI == nil {
		return fmt.Errorf("sandbox: Options.PKI is required")
	}
	if o.Domain == "" {
		o.Domain = DefaultDomain
	}
	if o.ValidationDelay == 0 {
		o.ValidationDelay = 24 * time.Hour
	}
	if o.Listen == "" {
		o.Listen = defaultListen
	}
	if o.MaxPatientSize == 0 {
		o.MaxPatientSize = DefaultMaxPatientSize
	}
	if o.MaxSize == 0 {
		o.MaxSize = defaultMaxSize
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return nil
}
