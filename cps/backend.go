package cps

import "github.com/miekg/pkcs11"

// Backend is the part of PKCS#11 this package uses. *pkcs11.Ctx implements it; tests wrap
// it to produce states a software token cannot (a locked PIN, a pulled card, a token
// without RSA-PSS). Implementations must be safe for concurrent use, as PKCS#11 modules
// initialised with CKF_OS_LOCKING_OK are.
type Backend interface {
	GetSlotList(tokenPresent bool) ([]uint, error)
	GetSlotInfo(slot uint) (pkcs11.SlotInfo, error)
	GetTokenInfo(slot uint) (pkcs11.TokenInfo, error)
	GetMechanismList(slot uint) ([]*pkcs11.Mechanism, error)
	OpenSession(slot uint, flags uint) (pkcs11.SessionHandle, error)
	CloseSession(sh pkcs11.SessionHandle) error
	Login(sh pkcs11.SessionHandle, userType uint, pin string) error
	Logout(sh pkcs11.SessionHandle) error
	FindObjectsInit(sh pkcs11.SessionHandle, template []*pkcs11.Attribute) error
	FindObjects(sh pkcs11.SessionHandle, max int) ([]pkcs11.ObjectHandle, bool, error)
	FindObjectsFinal(sh pkcs11.SessionHandle) error
	GetAttributeValue(sh pkcs11.SessionHandle, o pkcs11.ObjectHandle, a []*pkcs11.Attribute) ([]*pkcs11.Attribute, error)
	SignInit(sh pkcs11.SessionHandle, m []*pkcs11.Mechanism, o pkcs11.ObjectHandle) error
	Sign(sh pkcs11.SessionHandle, message []byte) ([]byte, error)
}

var _ Backend = (*pkcs11.Ctx)(nil)
