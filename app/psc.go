package app

import (
	"context"
	"errors"
	"net/url"
	"time"
)

// PSC logs a professional in with Pro Santé Connect, through the operator's intermediate
// server: the e-CPS on their phone (CIBA), or PSC's page in the system browser. Deps.PSC nil:
// the e-CPS panel says the operator configuration names no intermediate server.
type PSC interface {
	// StartECPS sends the approval request to the e-CPS of nationalID ("8" + RPPS or
	// "0" + ADELI). Before bothering the phone it checks that a success could open a cache
	// here (ErrNotEnrolled, ErrKeyringUnavailable). Errors: those, ErrECPSUnknownUser,
	// ErrPSCUnavailable, ErrPSCNotConfigured, or another error.
	StartECPS(ctx context.Context, nationalID string) (ECPSRequest, error)
	// LoginBrowser logs in through PSC's page (authorization code with PKCE, the redirect
	// coming back to a loopback listener); open shows the URL in the system browser.
	// nationalIDHint may be empty. It returns when the session is open, or with
	// ErrECPSDenied, ErrECPSExpired, ErrNotEnrolled…, or ctx's error (the user cancelled).
	LoginBrowser(ctx context.Context, nationalIDHint string, open func(*url.URL) error) (Session, error)
}

// ECPSRequest is an e-CPS login waiting for the professional's approval on their phone.
type ECPSRequest interface {
	// Deadline is when the request expires: the screen's countdown.
	Deadline() time.Time
	// Wait polls until the login is approved (the session is open), refused
	// (ErrECPSDenied), expired (ErrECPSExpired), or ctx ends (the cancel button).
	Wait(ctx context.Context) (Session, error)
}

// Pro Santé Connect login errors the screens explain (the bridge joins them to the
// underlying error).
var (
	ErrECPSDenied         = errors.New("app: e-CPS login refused on the phone")
	ErrECPSExpired        = errors.New("app: e-CPS login request expired")
	ErrECPSUnknownUser    = errors.New("app: no e-CPS for this national id")
	ErrPSCUnavailable     = errors.New("app: Pro Santé Connect intermediate server unreachable")
	ErrPSCNotConfigured   = errors.New("app: no Pro Santé Connect intermediate server configured")
	ErrKeyringUnavailable = errors.New("app: OS keyring unavailable")
	// ErrNotEnrolled: no cache of this holder opens without the card on this workstation
	// (the first login is made with the card).
	ErrNotEnrolled = errors.New("app: log in once with the card on this workstation")
	// ErrPSCEnded: Pro Santé Connect refused to refresh the session (logout on the phone,
	// lifetime reached, revocation); the UI locks and says so.
	ErrPSCEnded = errors.New("app: Pro Santé Connect session ended")
	// ErrNeedsCard: BAL creation and roles are signed and authenticated with the card.
	ErrNeedsCard = errors.New("app: this action needs the CPS card")
)

// SessionEnder is optionally implemented by a Session that can end by itself for another
// reason than the card being pulled: once Removed is closed, EndReason says why
// (ErrPSCEnded); nil means the card was pulled.
type SessionEnder interface {
	EndReason() error
}
