package psc

import "errors"

// Sentinel errors the session layer acts on.
var (
	// ErrDenied: the professional refused the login on their phone (or on the PSC page).
	ErrDenied = errors.New("psc: login refused by the professional")
	// ErrExpired: the e-CPS request expired before it was approved.
	ErrExpired = errors.New("psc: login request expired")
	// ErrUnknownUser: PSC has no e-CPS for this national id.
	ErrUnknownUser = errors.New("psc: no e-CPS for this national id")
	// ErrSessionEnded: PSC refused the refresh token; the session is over and the user must
	// log in again.
	ErrSessionEnded = errors.New("psc: Pro Santé Connect session ended")
	// ErrClosed: the session was closed (logout).
	ErrClosed = errors.New("psc: session closed")
	// ErrUnavailable: the intermediate server or PSC cannot be reached now; retrying later
	// may work.
	ErrUnavailable = errors.New("psc: Pro Santé Connect unavailable")
	// ErrIdentity: the tokens or the identity failed verification (signature, issuer,
	// audience, nonce, national id).
	ErrIdentity = errors.New("psc: identity verification failed")
)
