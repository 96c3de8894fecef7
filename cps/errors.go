package cps

import (
	"errors"
	"fmt"

	"github.com/miekg/pkcs11"
)

// Sentinel errors for the states callers act on.
var (
	ErrModuleNotFound = errors.New("cps: PKCS#11 module not found")
	ErrNoCard         = errors.New("cps: no card in the reader")
	ErrPINIncorrect   = errors.New("cps: incorrect PIN")
	ErrPINLocked      = errors.New("cps: PIN locked")
	ErrCardRemoved    = errors.New("cps: card removed")
	ErrObjectNotFound = errors.New("cps: object not found on the card")
	// ErrMechanism reports a signature the token cannot make (RSA-PSS on a CPS3).
	ErrMechanism = errors.New("cps: signature mechanism not offered by the card")
	// ErrClosed reports use of a card after Close.
	ErrClosed = errors.New("cps: card session closed")
)

// PINState is the token's PIN counter as PKCS#11 reports it.
type PINState struct {
	CountLow bool // at least one wrong PIN since the last success
	FinalTry bool // the next wrong PIN locks the card
	Locked   bool
}

func pinState(flags uint) PINState {
	return PINState{
		CountLow: flags&pkcs11.CKF_USER_PIN_COUNT_LOW != 0,
		FinalTry: flags&pkcs11.CKF_USER_PIN_FINAL_TRY != 0,
		Locked:   flags&pkcs11.CKF_USER_PIN_LOCKED != 0,
	}
}

// PINError is a refused PIN: Err is ErrPINIncorrect or ErrPINLocked, State the token's
// counter after the attempt (when the token could still be read).
type PINError struct {
	Err   error
	State PINState
}

func (e *PINError) Error() string {
	switch {
	case e.State.Locked || errors.Is(e.Err, ErrPINLocked):
		return "cps: PIN locked"
	case e.State.FinalTry:
		return "cps: incorrect PIN (final try left)"
	case e.State.CountLow:
		return "cps: incorrect PIN (tries remaining are low)"
	}
	return e.Err.Error()
}

func (e *PINError) Unwrap() error { return e.Err }

// isRemoval reports whether a PKCS#11 error means the card is gone.
func isRemoval(err error) bool {
	var rv pkcs11.Error
	if !errors.As(err, &rv) {
		return false
	}
	switch rv {
	case pkcs11.CKR_DEVICE_REMOVED, pkcs11.CKR_TOKEN_NOT_PRESENT, pkcs11.CKR_SESSION_CLOSED,
		pkcs11.CKR_SESSION_HANDLE_INVALID, pkcs11.CKR_TOKEN_NOT_RECOGNIZED:
		return true
	}
	return false
}

// wrap adds context to a PKCS#11 error and maps card removal to ErrCardRemoved.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if isRemoval(err) {
		return fmt.Errorf("cps: %s: %w (%v)", op, ErrCardRemoved, err)
	}
	return fmt.Errorf("cps: %s: %w", op, err)
}

// hasCode reports whether err is the PKCS#11 return value code.
func hasCode(err error, code uint) bool {
	var rv pkcs11.Error
	return errors.As(err, &rv) && uint(rv) == code
}
