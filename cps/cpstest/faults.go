package cpstest

import (
	"sync"
	"time"

	"comptoir/cps"

	"github.com/miekg/pkcs11"
)

// DefaultPINTries is how many wrong PINs lock a card under Faults, as on a real CPS.
const DefaultPINTries = 3

// Faults injects, around the real PKCS#11 module, the card states SoftHSM cannot
// produce: a PIN locked after DefaultPINTries wrong tries (with the COUNT_LOW and
// FINAL_TRY flags before), a card pulled out of its reader (also in the middle of a
// signature), a token without RSA-PSS, and a slow card. Cards are named by token label.
// Every call not affected by a fault reaches the real module. Safe for concurrent use.
type Faults struct {
	mu       sync.Mutex
	tokens   map[string]*tokenFaults
	slots    map[uint]string // slot -> token label, learnt from the real module
	sessions map[pkcs11.SessionHandle]*session
	next     pkcs11.SessionHandle
	real     cps.Backend // the wrapped module, to close the sessions of a pulled card
}

type tokenFaults struct {
	noPSS      bool
	pulled     bool
	pullOnSign bool
	signDelay  time.Duration
	wrongTries int
	logins     int // C_Login calls that reached the real module
	signs      int // C_Sign calls that reached the real module
}

// session maps the handle Faults gives out to the real one. Handles are virtual so a
// session killed by a pulled card can never be confused with a new real session that
// happens to get the same number.
type session struct {
	real  pkcs11.SessionHandle
	label string
	dead  bool
}

// NewFaults returns an injector with no fault armed.
func NewFaults() *Faults {
	return &Faults{
		tokens:   map[string]*tokenFaults{},
		slots:    map[uint]string{},
		sessions: map[pkcs11.SessionHandle]*session{},
		next:     0x4000,
	}
}

// Wrap returns be with the faults applied: pass it to cps.OpenWith.
func (f *Faults) Wrap(be cps.Backend) cps.Backend {
	f.mu.Lock()
	f.real = be
	f.mu.Unlock()
	return &faulty{Backend: be, f: f}
}

func (f *Faults) token(label string) *tokenFaults {
	t := f.tokens[label]
	if t == nil {
		t = &tokenFaults{}
		f.tokens[label] = t
	}
	return t
}

// NoPSS hides RSA-PSS from the token's mechanism list and refuses it at C_SignInit, as
// a CPS3 does.
func (f *Faults) NoPSS(label string) {
	f.mu.Lock()
	f.token(label).noPSS = true
	f.mu.Unlock()
}

// SetSignDelay makes each signature of the card take d longer, like a real card
// (0.1–0.5 s); for the demo.
func (f *Faults) SetSignDelay(label string, d time.Duration) {
	f.mu.Lock()
	f.token(label).signDelay = d
	f.mu.Unlock()
}

// PullDuringNextSign arms a removal: the next C_Sign on the card pulls it out and fails
// with CKR_DEVICE_REMOVED.
func (f *Faults) PullDuringNextSign(label string) {
	f.mu.Lock()
	f.token(label).pullOnSign = true
	f.mu.Unlock()
}

// Pull takes the card out of its reader: the slot shows no token and every session on it
// dies (the real sessions are closed, which logs the token out).
func (f *Faults) Pull(label string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pullLocked(label)
}

func (f *Faults) pullLocked(label string) {
	t := f.token(label)
	t.pulled, t.pullOnSign = true, false
	for _, s := range f.sessions {
		if s.label == label && !s.dead {
			s.dead = true
			if f.real != nil {
				_ = f.real.CloseSession(s.real)
			}
		}
	}
}

// Insert puts a pulled card back. A locked PIN stays locked.
func (f *Faults) Insert(label string) {
	f.mu.Lock()
	f.token(label).pulled = false
	f.mu.Unlock()
}

// Unblock resets the wrong-PIN counter, as unblocking with the PUK would.
func (f *Faults) Unblock(label string) {
	f.mu.Lock()
	f.token(label).wrongTries = 0
	f.mu.Unlock()
}

// LoginCalls returns how many C_Login calls on the card reached the real module.
func (f *Faults) LoginCalls(label string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.token(label).logins
}

// SignCalls returns how many C_Sign calls on the card reached the real module.
func (f *Faults) SignCalls(label string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.token(label).signs
}

// faulty is the wrapped module.
type faulty struct {
	cps.Backend
	f *Faults
}

var (
	errRemoved    = pkcs11.Error(pkcs11.CKR_DEVICE_REMOVED)
	errNotPresent = pkcs11.Error(pkcs11.CKR_TOKEN_NOT_PRESENT)
	errBadSession = pkcs11.Error(pkcs11.CKR_SESSION_HANDLE_INVALID)
)

// labelOf returns the label of the token in slot, asking the real module once.
func (w *faulty) labelOf(slot uint) string {
	w.f.mu.Lock()
	l, ok := w.f.slots[slot]
	w.f.mu.Unlock()
	if ok {
		return l
	}
	ti, err := w.Backend.GetTokenInfo(slot)
	if err != nil || ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED == 0 {
		return ""
	}
	l = trimLabel(ti.Label)
	w.f.mu.Lock()
	w.f.slots[slot] = l
	w.f.mu.Unlock()
	return l
}

func trimLabel(s string) string {
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == 0) {
		s = s[:len(s)-1]
	}
	return s
}

func (w *faulty) pulled(slot uint) bool {
	l := w.labelOf(slot)
	if l == "" {
		return false
	}
	w.f.mu.Lock()
	defer w.f.mu.Unlock()
	return w.f.token(l).pulled
}

// live returns the real handle of a virtual session, or the error a removed card gives.
func (w *faulty) live(sh pkcs11.SessionHandle) (pkcs11.SessionHandle, string, error) {
	w.f.mu.Lock()
	defer w.f.mu.Unlock()
	s, ok := w.f.sessions[sh]
	if !ok {
		return 0, "", errBadSession
	}
	if s.dead {
		return 0, s.label, errRemoved
	}
	return s.real, s.label, nil
}

func (w *faulty) GetSlotList(tokenPresent bool) ([]uint, error) {
	slots, err := w.Backend.GetSlotList(tokenPresent)
	if err != nil || !tokenPresent {
		return slots, err
	}
	out := slots[:0:0]
	for _, s := range slots {
		if !w.pulled(s) {
			out = append(out, s)
		}
	}
	return out, nil
}

func (w *faulty) GetSlotInfo(slot uint) (pkcs11.SlotInfo, error) {
	si, err := w.Backend.GetSlotInfo(slot)
	if err == nil && w.pulled(slot) {
		si.Flags &^= pkcs11.CKF_TOKEN_PRESENT
	}
	return si, err
}

func (w *faulty) GetTokenInfo(slot uint) (pkcs11.TokenInfo, error) {
	if w.pulled(slot) {
		return pkcs11.TokenInfo{}, errNotPresent
	}
	ti, err := w.Backend.GetTokenInfo(slot)
	if err != nil {
		return ti, err
	}
	l := w.labelOf(slot)
	if l == "" {
		return ti, nil
	}
	w.f.mu.Lock()
	tries := w.f.token(l).wrongTries
	w.f.mu.Unlock()
	ti.Flags &^= pkcs11.CKF_USER_PIN_COUNT_LOW | pkcs11.CKF_USER_PIN_FINAL_TRY | pkcs11.CKF_USER_PIN_LOCKED
	switch {
	case tries >= DefaultPINTries:
		ti.Flags |= pkcs11.CKF_USER_PIN_LOCKED
	case tries == DefaultPINTries-1:
		ti.Flags |= pkcs11.CKF_USER_PIN_COUNT_LOW | pkcs11.CKF_USER_PIN_FINAL_TRY
	case tries > 0:
		ti.Flags |= pkcs11.CKF_USER_PIN_COUNT_LOW
	}
	return ti, nil
}

func (w *faulty) GetMechanismList(slot uint) ([]*pkcs11.Mechanism, error) {
	if w.pulled(slot) {
		return nil, errNotPresent
	}
	mechs, err := w.Backend.GetMechanismList(slot)
	if err != nil {
		return nil, err
	}
	w.f.mu.Lock()
	noPSS := w.f.token(w.labelOfLocked(slot)).noPSS
	w.f.mu.Unlock()
	if !noPSS {
		return mechs, nil
	}
	out := mechs[:0:0]
	for _, m := range mechs {
		if !isPSS(m.Mechanism) {
			out = append(out, m)
		}
	}
	return out, nil
}

// labelOfLocked reads the cached label; the caller holds f.mu and called labelOf before.
func (w *faulty) labelOfLocked(slot uint) string { return w.f.slots[slot] }

func isPSS(m uint) bool {
	switch m {
	case pkcs11.CKM_RSA_PKCS_PSS, pkcs11.CKM_SHA1_RSA_PKCS_PSS, pkcs11.CKM_SHA224_RSA_PKCS_PSS,
		pkcs11.CKM_SHA256_RSA_PKCS_PSS, pkcs11.CKM_SHA384_RSA_PKCS_PSS, pkcs11.CKM_SHA512_RSA_PKCS_PSS:
		return true
	}
	return false
}

func (w *faulty) OpenSession(slot uint, flags uint) (pkcs11.SessionHandle, error) {
	if w.pulled(slot) {
		return 0, errNotPresent
	}
	real, err := w.Backend.OpenSession(slot, flags)
	if err != nil {
		return 0, err
	}
	l := w.labelOf(slot)
	w.f.mu.Lock()
	defer w.f.mu.Unlock()
	w.f.next++
	w.f.sessions[w.f.next] = &session{real: real, label: l}
	return w.f.next, nil
}

func (w *faulty) CloseSession(sh pkcs11.SessionHandle) error {
	real, _, err := w.live(sh)
	w.f.mu.Lock()
	delete(w.f.sessions, sh)
	w.f.mu.Unlock()
	if err != nil {
		return err
	}
	return w.Backend.CloseSession(real)
}

func (w *faulty) Login(sh pkcs11.SessionHandle, userType uint, pin string) error {
	real, label, err := w.live(sh)
	if err != nil {
		return err
	}
	w.f.mu.Lock()
	t := w.f.token(label)
	if t.wrongTries >= DefaultPINTries {
		w.f.mu.Unlock()
		return pkcs11.Error(pkcs11.CKR_PIN_LOCKED)
	}
	t.logins++
	w.f.mu.Unlock()
	err = w.Backend.Login(real, userType, pin)
	w.f.mu.Lock()
	defer w.f.mu.Unlock()
	switch {
	case err == nil:
		t.wrongTries = 0
	case err == pkcs11.Error(pkcs11.CKR_PIN_INCORRECT):
		t.wrongTries++
		if t.wrongTries >= DefaultPINTries {
			return pkcs11.Error(pkcs11.CKR_PIN_LOCKED)
		}
	}
	return err
}

func (w *faulty) Logout(sh pkcs11.SessionHandle) error {
	real, _, err := w.live(sh)
	if err != nil {
		return err
	}
	return w.Backend.Logout(real)
}

func (w *faulty) FindObjectsInit(sh pkcs11.SessionHandle, template []*pkcs11.Attribute) error {
	real, _, err := w.live(sh)
	if err != nil {
		return err
	}
	return w.Backend.FindObjectsInit(real, template)
}

func (w *faulty) FindObjects(sh pkcs11.SessionHandle, max int) ([]pkcs11.ObjectHandle, bool, error) {
	real, _, err := w.live(sh)
	if err != nil {
		return nil, false, err
	}
	return w.Backend.FindObjects(real, max)
}

func (w *faulty) FindObjectsFinal(sh pkcs11.SessionHandle) error {
	real, _, err := w.live(sh)
	if err != nil {
		return err
	}
	return w.Backend.FindObjectsFinal(real)
}

func (w *faulty) GetAttributeValue(sh pkcs11.SessionHandle, o pkcs11.ObjectHandle, a []*pkcs11.Attribute) ([]*pkcs11.Attribute, error) {
	real, _, err := w.live(sh)
	if err != nil {
		return nil, err
	}
	return w.Backend.GetAttributeValue(real, o, a)
}

func (w *faulty) SignInit(sh pkcs11.SessionHandle, m []*pkcs11.Mechanism, o pkcs11.ObjectHandle) error {
	real, label, err := w.live(sh)
	if err != nil {
		return err
	}
	w.f.mu.Lock()
	noPSS := w.f.token(label).noPSS
	w.f.mu.Unlock()
	if noPSS && len(m) > 0 && isPSS(m[0].Mechanism) {
		return pkcs11.Error(pkcs11.CKR_MECHANISM_INVALID)
	}
	return w.Backend.SignInit(real, m, o)
}

func (w *faulty) Sign(sh pkcs11.SessionHandle, message []byte) ([]byte, error) {
	real, label, err := w.live(sh)
	if err != nil {
		return nil, err
	}
	w.f.mu.Lock()
	t := w.f.token(label)
	if t.pullOnSign {
		w.f.pullLocked(label)
		w.f.mu.Unlock()
		return nil, errRemoved
	}
	t.signs++
	delay := t.signDelay
	w.f.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay) // a real card's signing time, not a wait for an event
	}
	return w.Backend.Sign(real, message)
}
