package sandbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-smtp"

	"comptoir/cmd/mss-sandbox/sandbox/psc"
	"comptoir/cmd/mss-sandbox/sandbox/pscgateway"
	"comptoir/mail/provisioning"
)

// Server is a running sandbox operator.
type Server struct {
	opts     Options
	log      *slog.Logger
	verifier *verifier
	reg      *registry
	mail     *mailStore
	cert     tls.Certificate
	// listSigner signs the published trust list (an ORGANISATIONS certificate).
	listSigner tls.Certificate

	imap  *imapserver.Server
	smtp  *smtp.Server
	https *http.Server
	crl   *http.Server

	psc             *psc.Provider
	gw              *pscgateway.Gateway
	pscHTTP, gwHTTP *http.Server

	lnIMAP, lnIMAPS, lnSMTP, lnAPI, lnPSC, lnGateway, lnCRL net.Listener

	wake   chan struct{} // a BAL was created: recompute the next activation
	cancel context.CancelFunc
	wg     sync.WaitGroup
	pubMu  sync.Mutex
	once   sync.Once
}

// Start opens the data directory, seeds it when asked and starts every service on loopback.
// ctx bounds the start-up only; call Close to stop.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if err := opts.setDefaults(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(opts.DataDir, "published"), 0o700); err != nil {
		return nil, fmt.Errorf("sandbox: data dir: %w", err)
	}
	reg, err := openRegistry(opts.DataDir)
	if err != nil {
		return nil, err
	}
	ms, err := openMailStore(opts.DataDir)
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts: opts, log: opts.Logger, reg: reg, mail: ms,
		verifier: &verifier{pki: opts.PKI, now: opts.Now},
		wake:     make(chan struct{}, 1),
	}
	if err := s.start(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Server) start(ctx context.Context) error {
	host, port, err := net.SplitHostPort(s.opts.Listen)
	if err != nil {
		return fmt.Errorf("sandbox: listen address %q: %w", s.opts.Listen, err)
	}
	// The CRL port comes first: the server certificate names it as distribution point.
	if s.lnCRL, err = s.listen(ctx, host, port, 6); err != nil {
		return err
	}
	s.cert, err = s.opts.PKI.ServerCertificateCRL(s.CRLURL(), "localhost", "127.0.0.1", "::1", host, s.opts.Domain,
		"imap."+s.opts.Domain, "smtp."+s.opts.Domain, "api."+s.opts.Domain)
	if err != nil {
		return fmt.Errorf("sandbox: server certificate: %w", err)
	}
	s.listSigner, err = s.opts.PKI.IssueOrganisation(trustListSignerName, trustListSignerFINESS)
	if err != nil {
		return fmt.Errorf("sandbox: trust list signer: %w", err)
	}
	if err := os.WriteFile(s.TrustAnchorPath(), s.opts.PKI.RootPEM(), 0o600); err != nil {
		return fmt.Errorf("sandbox: write trust anchor: %w", err)
	}
	if s.opts.Seed {
		if err := s.seed(); err != nil {
			return err
		}
	}
	for _, b := range s.reg.all() {
		if _, err := s.mail.ensure(b.Address); err != nil {
			return err
		}
	}
	if err := s.publish(); err != nil {
		return err
	}

	for i, ln := range []*net.Listener{&s.lnIMAP, &s.lnIMAPS, &s.lnSMTP, &s.lnAPI, &s.lnPSC, &s.lnGateway} {
		if *ln, err = s.listen(ctx, host, port, i); err != nil {
			return err
		}
	}
	if err := s.startPSC(); err != nil {
		return err
	}

	// A client certificate is checked when sent, and required by EXTERNAL; a Pro Santé
	// Connect login (XOAUTH2, OAUTHBEARER) has none.
	tlsRequire := s.verifier.tlsConfig(s.cert, false)
	s.imap = imapserver.New(&imapserver.Options{
		NewSession: func(c *imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return &imapSession{srv: s, conn: c}, nil, nil
		},
		Caps: imap.CapSet{
			imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}, imap.CapSpecialUse: {}, imap.CapUIDPlus: {},
			imap.CapMove: {}, imap.CapNamespace: {}, imap.CapESearch: {}, imap.CapSearchRes: {},
			imap.CapListExtended: {}, imap.CapListStatus: {}, imap.CapStatusSize: {}, imap.CapLiteralPlus: {},
			imap.CapCreateSpecialUse: {}, imap.CapBinary: {},
		},
		TLSConfig: tlsRequire,
		Logger:    printfLogger{s.log.With("service", "imap")},
	})
	s.smtp = smtp.NewServer(&smtpBackend{srv: s})
	s.smtp.Domain = "smtp." + s.opts.Domain
	s.smtp.TLSConfig = tlsRequire
	s.smtp.MaxMessageBytes = s.opts.MaxSize
	s.smtp.MaxRecipients = 100
	s.smtp.EnableDSN = true
	s.smtp.ReadTimeout = 5 * time.Minute
	s.smtp.WriteTimeout = 5 * time.Minute
	s.smtp.ErrorLog = printfLogger{s.log.With("service", "smtp")}

	api := s.apiHandler()
	if s.opts.WrapAPI != nil {
		api = s.opts.WrapAPI(api)
	}
	s.https = &http.Server{
		Handler:           api,
		TLSConfig:         s.verifier.tlsConfig(s.cert, false),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.With("service", "api").Handler(), slog.LevelInfo),
	}
	crlMux := http.NewServeMux()
	crlMux.Handle("GET /crl/", http.StripPrefix("/crl", s.opts.PKI.CRLHandler()))
	s.crl = &http.Server{Handler: crlMux, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(s.log.With("service", "crl").Handler(), slog.LevelInfo)}

	bg, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	serve := func(name string, f func() error) {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := f(); err != nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, http.ErrServerClosed) &&
				!errors.Is(err, smtp.ErrServerClosed) {
				s.log.Error("sandbox: serve", "service", name, "err", err)
			}
		}()
	}
	serve("imap", func() error { return s.imap.Serve(s.lnIMAP) })
	serve("imaps", func() error { return s.imap.Serve(tls.NewListener(s.lnIMAPS, tlsRequire)) })
	serve("smtp", func() error { return s.smtp.Serve(s.lnSMTP) })
	serve("api", func() error { return s.https.ServeTLS(s.lnAPI, "", "") })
	serve("psc", func() error { return s.pscHTTP.ServeTLS(s.lnPSC, "", "") })
	serve("psc-gateway", func() error { return s.gwHTTP.ServeTLS(s.lnGateway, "", "") })
	serve("crl", func() error { return s.crl.Serve(s.lnCRL) })
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.activationLoop(bg)
	}()
	s.log.Info("sandbox: started", "imap", s.IMAPAddr(), "imaps", s.IMAPSAddr(), "smtp", s.SMTPAddr(), "api", s.APIURL(),
		"psc", s.PSCIssuer(), "psc-gateway", s.PSCGatewayURL(), "crl", s.CRLURL())
	return nil
}

// listen opens the service port number i: base port + i when the configured port is
// fixed, any free port otherwise.
func (s *Server) listen(ctx context.Context, host, port string, i int) (net.Listener, error) {
	p, _ := strconv.Atoi(port)
	if p != 0 {
		p += i
	}
	lc := net.ListenConfig{}
	ln, err := lc.Listen(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(p)))
	if err != nil {
		return nil, fmt.Errorf("sandbox: listen: %w", err)
	}
	return ln, nil
}

// activationLoop republishes the directory each time a pending BAL's validation delay ends.
func (s *Server) activationLoop(ctx context.Context) {
	for {
		now := s.opts.Now()
		var next time.Time
		for _, b := range s.reg.all() {
			if b.ActiveAt.After(now) && (next.IsZero() || b.ActiveAt.Before(next)) {
				next = b.ActiveAt
			}
		}
		wait := time.Hour
		if !next.IsZero() {
			wait = next.Sub(now)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.wake:
			t.Stop()
		case <-t.C:
			if err := s.publish(); err != nil {
				s.log.Error("sandbox: publish", "err", err)
			}
		}
	}
}

func (s *Server) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Close stops every service and flushes the state. It is safe to call more than once.
func (s *Server) Close() error {
	var errs []error
	s.once.Do(func() {
		if s.cancel != nil {
			s.cancel()
		}
		if s.imap != nil {
			errs = append(errs, ignoreClosed(s.imap.Close()))
		}
		if s.smtp != nil {
			errs = append(errs, ignoreClosed(s.smtp.Close()))
		}
		for _, h := range []*http.Server{s.https, s.pscHTTP, s.gwHTTP, s.crl} {
			if h != nil {
				errs = append(errs, ignoreClosed(h.Close()))
			}
		}
		for _, ln := range []net.Listener{s.lnIMAP, s.lnIMAPS, s.lnSMTP, s.lnAPI, s.lnPSC, s.lnGateway, s.lnCRL} {
			if ln != nil {
				ln.Close()
			}
		}
		s.wg.Wait()
		errs = append(errs, s.mail.close())
	})
	return errors.Join(errs...)
}

func ignoreClosed(err error) error {
	if err == nil || errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "server closed") {
		return nil
	}
	return err
}

// Endpoints.

// IMAPAddr is the IMAP port where STARTTLS is required (MSSanté's 143).
func (s *Server) IMAPAddr() string { return s.lnIMAP.Addr().String() }

// IMAPSAddr is the implicit-TLS IMAP port.
func (s *Server) IMAPSAddr() string { return s.lnIMAPS.Addr().String() }

// SMTPAddr is the submission port (STARTTLS).
func (s *Server) SMTPAddr() string { return s.lnSMTP.Addr().String() }

// APIURL is the provisioning API root (mutual TLS).
func (s *Server) APIURL() string { return "https://" + s.lnAPI.Addr().String() }

// CRLURL is where the CRLs of the test PKI are served over plain HTTP (root.crl,
// personnes.crl, organisations.crl), the distribution point of the certificates issued
// since the start.
func (s *Server) CRLURL() string { return "http://" + s.lnCRL.Addr().String() + "/crl" }

// TrustListURL serves listeblanchemssante.xml (no client certificate needed).
func (s *Server) TrustListURL() string { return s.APIURL() + "/listeblanchemssante.xml" }

// DirectoryURL serves the directory extraction ZIP (no client certificate needed).
func (s *Server) DirectoryURL() string { return s.APIURL() + "/annuaire/" + directoryZipName }

// TrustListPath is the trust-space list written in the data directory.
func (s *Server) TrustListPath() string {
	return filepath.Join(s.opts.DataDir, "published", "listeblanchemssante.xml")
}

// DirectoryPath is the directory extraction ZIP written in the data directory.
func (s *Server) DirectoryPath() string {
	return filepath.Join(s.opts.DataDir, "published", directoryZipName)
}

// TrustAnchorPath is the PEM file of the IGC-Santé root clients must trust.
func (s *Server) TrustAnchorPath() string { return filepath.Join(s.opts.DataDir, "igc-sante-root.pem") }

// RootPEM is the trust anchor of every certificate the sandbox presents or accepts.
func (s *Server) RootPEM() []byte { return s.opts.PKI.RootPEM() }

// ServerName is a name the server certificate carries (it also carries 127.0.0.1).
func (s *Server) ServerName() string { return "localhost" }

// Domain is the operator's mail domain.
func (s *Server) Domain() string { return s.opts.Domain }

// authorize returns the BAL address holder h may open with authorization identity authzid
// (empty or the holder's own id: the holder's PER BAL, or the APP BAL of an organisation
// certificate).
func (s *Server) authorize(h holder, authzid string) (string, error) {
	now := s.opts.Now()
	authzid = strings.ToLower(strings.TrimSpace(authzid))
	if authzid == "" || authzid == strings.ToLower(h.ID) { // some clients send their own identity
		authzid = ""
		for _, b := range s.reg.all() {
			if b.mayOpen(h.ID) && b.active(now) && b.Kind != provisioning.KindORG {
				return b.Address, nil
			}
		}
		return "", errors.New("no BAL of your own: give the BAL address as authorization identity")
	}
	b := s.reg.bal(authzid)
	if b == nil {
		return "", fmt.Errorf("unknown BAL %s", authzid)
	}
	if !b.mayOpen(h.ID) {
		return "", fmt.Errorf("%s has no right on %s", h.ID, authzid)
	}
	if !b.active(now) {
		return "", fmt.Errorf("%s is waiting for validation", authzid)
	}
	return b.Address, nil
}

type printfLogger struct{ l *slog.Logger }

func (p printfLogger) Printf(format string, args ...any) { p.l.Info(fmt.Sprintf(format, args...)) }
func (p printfLogger) Println(args ...any)               { p.l.Info(fmt.Sprintln(args...)) }
