package sandbox

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"

	"comptoir/cmd/mss-sandbox/sandbox/psc"
	"comptoir/cmd/mss-sandbox/sandbox/pscgateway"
	"comptoir/cps/cpstest"
)

// PSCClientID is the operator's Pro Santé Connect client (held by the intermediate server):
// the audience that IMAP and SMTP require in access tokens.
const PSCClientID = "mssante-sandbox-operator"

// PSCOptions tune the Pro Santé Connect stand-in (zero values: psc's defaults, 2 min access
// tokens).
type PSCOptions struct {
	AccessTTL    time.Duration
	SessionTTL   time.Duration
	CIBAExpiry   time.Duration
	CIBAInterval time.Duration
}

// pscUsers are the professionals PSC knows: the test cards' holders (same national ids, so
// an e-CPS login opens the same BALs as the card).
func pscUsers() []psc.User {
	var out []psc.User
	for _, f := range cpstest.Fixtures() {
		u := psc.User{NationalID: f.NationalID, Surname: f.Surname, GivenName: f.GivenName,
			ProfessionCode: professions[strings.ToLower(f.Profession)]}
		for _, s := range f.Situations {
			mode := "L"
			if s.StructureIDType == 1 && !strings.HasPrefix(s.Sector, "SA33") {
				mode = "S" // salaried in a hospital
			}
			u.Situations = append(u.Situations, psc.Situation{StructureName: s.StructureName,
				StructureID: fmt.Sprintf("%d%s", s.StructureIDType, s.StructureID), FINESS: s.FINESS(),
				Sector: s.Sector, Mode: mode, PostalCode: s.PostalCode, Town: s.Town})
		}
		out = append(out, u)
	}
	return out
}

// startPSC creates the PSC stand-in and the intermediate server on their listeners.
func (s *Server) startPSC() error {
	secret := make([]byte, 24)
	if _, err := rand.Read(secret); err != nil {
		return fmt.Errorf("sandbox: PSC client secret: %w", err)
	}
	gwURL := "https://" + s.lnGateway.Addr().String()
	o := s.opts.PSC
	var err error
	s.psc, err = psc.New(psc.Options{BaseURL: "https://" + s.lnPSC.Addr().String(), Users: pscUsers(),
		AccessTTL: o.AccessTTL, SessionTTL: o.SessionTTL, CIBAExpiry: o.CIBAExpiry, CIBAInterval: o.CIBAInterval,
		Logger: s.log, Now: s.opts.Now})
	if err != nil {
		return err
	}
	s.gw, err = pscgateway.New(pscgateway.Config{DiscoveryURL: s.psc.DiscoveryURL(), ClientID: PSCClientID,
		ClientSecret: base64.RawURLEncoding.EncodeToString(secret), BaseURL: gwURL, Logger: s.log, Now: s.opts.Now,
		HTTPClient: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: s.opts.PKI.RootPool(), MinVersion: tls.VersionTLS12}}}})
	if err != nil {
		return err
	}
	s.psc.AddClient(psc.Client{ID: PSCClientID, Secret: base64.RawURLEncoding.EncodeToString(secret),
		RedirectURIs: []string{s.gw.CallbackURL()}})
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{s.cert}}
	s.pscHTTP = &http.Server{Handler: s.psc.Handler(), TLSConfig: tlsCfg, ReadHeaderTimeout: 10 * time.Second}
	s.gwHTTP = &http.Server{Handler: s.gw.Handler(), TLSConfig: tlsCfg.Clone(), ReadHeaderTimeout: 10 * time.Second}
	return nil
}

// PSC is the Pro Santé Connect stand-in: approve or deny e-CPS requests (Pending, Approve,
// Deny), end a professional's sessions (EndSessions).
func (s *Server) PSC() *psc.Provider { return s.psc }

// PSCIssuer is the PSC stand-in's issuer URL.
func (s *Server) PSCIssuer() string { return s.psc.Issuer() }

// PSCGatewayURL is the intermediate server's API root (docs/psc-gateway-api.md), what
// Comptoir's operator configuration names.
func (s *Server) PSCGatewayURL() string { return "https://" + s.lnGateway.Addr().String() }
