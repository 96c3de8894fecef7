package session

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strconv"
	"time"

	"comptoir/cps"
	"comptoir/mail/psc"
)

// PSCCredential is a Pro Santé Connect login (the e-CPS on the phone, or the browser): the
// holder's BALs authenticate with its access token (XOAUTH2/OAUTHBEARER), the cache opens
// with the OS keyring's key (store.OpenWithKeyring), never with a card. The tokens stay in
// the psc.Session, in memory; the session core never copies them.
type PSCCredential struct {
	Session *psc.Session
}

func (c PSCCredential) tlsCertificate() tls.Certificate { return tls.Certificate{} }
func (c PSCCredential) maxTLS() uint16                  { return 0 }
func (c PSCCredential) cacheID() string                 { return c.Session.Identity().NationalID }

// close does nothing at once: the logout needs the network, so Lock runs it in the
// background (closeNetwork). The tokens are forgotten as soon as it starts.
func (c PSCCredential) close() error { return nil }

// closeNetwork logs out at PSC (the refresh token is revoked), bounded by ctx.
func (c PSCCredential) closeNetwork(ctx context.Context) error {
	if err := c.Session.Close(ctx); err != nil {
		return fmt.Errorf("session: Pro Santé Connect logout: %w", err)
	}
	return nil
}

func (c PSCCredential) identity() Identity {
	id := c.Session.Identity()
	out := Identity{NationalID: id.NationalID, IDType: idType(id.NationalID), GivenName: id.GivenName,
		Surname: id.FamilyName, Profession: professionName(id.ProfessionCode)}
	for i, s := range id.Situations {
		sit := cps.Situation{Index: i, StructureName: s.StructureName, FINESS: s.FINESS, Sector: s.Sector}
		// ancienIdentifiantDeLaStructure is the type digit then the id, as on the card.
		if len(s.StructureID) > 1 {
			if n, err := strconv.Atoi(s.StructureID[:1]); err == nil {
				sit.StructureIDType, sit.StructureID = n, s.StructureID[1:]
			}
		}
		if sit.FINESS == "" && sit.StructureIDType == 1 {
			sit.FINESS = sit.StructureID
		}
		out.Situations = append(out.Situations, sit)
	}
	return out
}

// networkCloser is a credential whose logout needs the network: Lock runs it during the
// background teardown, so that locking never waits on the network.
type networkCloser interface {
	closeNetwork(ctx context.Context) error
}

// logoutTimeout bounds the PSC logout at Lock.
const logoutTimeout = 10 * time.Second

// idType names the national id's kind from its first digit, as the card does.
func idType(nationalID string) string {
	switch {
	case len(nationalID) == 12 && nationalID[0] == '8':
		return cps.IDRPPS.String()
	case len(nationalID) == 10 && nationalID[0] == '0':
		return cps.IDADELI.String()
	}
	return ""
}

// ValidNationalID reports whether s is a professional's national id as PSC and the card give
// it: "8" and the 11-digit RPPS number, or "0" and the 9-digit ADELI number. It names the
// cache file, so nothing else is accepted.
func ValidNationalID(s string) bool {
	if idType(s) == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// professionName is the card's wording for a TRE_G15 profession code PSC gives.
func professionName(code string) string {
	switch code {
	case "10":
		return "Médecin"
	case "21":
		return "Pharmacien"
	case "40":
		return "Chirurgien-dentiste"
	case "50":
		return "Sage-femme"
	case "60":
		return "Infirmier"
	}
	return ""
}

// PSC is the session's Pro Santé Connect login, if it was opened with one.
func (s *Session) PSC() (*psc.Session, bool) {
	c, ok := s.cred.(PSCCredential)
	if !ok {
		return nil, false
	}
	return c.Session, true
}

// ErrPSCEnded: Pro Santé Connect refused to refresh the session's tokens (logout on the
// phone, lifetime reached, revocation): the session cannot reach the operator any more and
// must be locked (Réf. #2 ECO.1.2.6). It wraps psc.ErrSessionEnded.
var ErrPSCEnded = fmt.Errorf("session: %w", psc.ErrSessionEnded)

// EndErr says why a session ended by itself: ErrPSCEnded once Pro Santé Connect refused the
// refresh; nil while it lasts, for a card session, and after an ordinary Lock.
func (s *Session) EndErr() error {
	p, ok := s.PSC()
	if !ok {
		return nil
	}
	if err := p.Err(); errors.Is(err, psc.ErrSessionEnded) {
		return fmt.Errorf("%w (%v)", ErrPSCEnded, err)
	}
	return nil
}
