package cps

import (
	"context"
	"crypto/rsa"
	"fmt"
	"strings"

	"github.com/miekg/pkcs11"
)

// Login opens a session on the card in slot and logs in with pin (the caller wipes it).
// It tries the PIN exactly once: a refused PIN returns a *PINError, and a card the token
// reports as locked is not asked at all. If this module already holds a live session on
// the same card, that Card is returned and the PIN is not presented again (one login per
// card session).
func (m *Module) Login(ctx context.Context, slot uint, pin []byte) (*Card, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// One login at a time, so two callers cannot open two sessions on one card.
	m.loginMu.Lock()
	defer m.loginMu.Unlock()
	ti, err := m.be.GetTokenInfo(slot)
	if isRemoval(err) || hasCode(err, pkcs11.CKR_SLOT_ID_INVALID) ||
		err == nil && ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED == 0 {
		return nil, fmt.Errorf("cps: login on slot %d: %w", slot, ErrNoCard)
	}
	if err != nil {
		return nil, wrap(fmt.Sprintf("login on slot %d", slot), err)
	}
	serial := clean(ti.SerialNumber)
	if c := m.liveCard(slot, serial); c != nil {
		return c, nil
	}
	if st := pinState(ti.Flags); st.Locked {
		return nil, &PINError{Err: ErrPINLocked, State: st}
	}
	sh, err := m.be.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION)
	if err != nil {
		if isRemoval(err) {
			return nil, fmt.Errorf("cps: open session on slot %d: %w", slot, ErrNoCard)
		}
		return nil, wrap("open session", err)
	}
	c := &Card{
		m: m, be: m.be, slot: slot, sh: sh,
		label: clean(ti.Label), serial: serial,
		removed: make(chan struct{}), stop: make(chan struct{}),
	}
	if err := c.login(pin); err != nil {
		_ = m.be.CloseSession(sh)
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		c.end()
		return nil, err
	}
	if err := c.load(); err != nil {
		c.end()
		return nil, err
	}
	m.mu.Lock()
	m.cards[slot] = c
	m.mu.Unlock()
	go c.monitor()
	return c, nil
}

// liveCard returns the module's logged-in card in slot if it is still the same card.
func (m *Module) liveCard(slot uint, serial string) *Card {
	m.mu.Lock()
	c := m.cards[slot]
	m.mu.Unlock()
	if c == nil {
		return nil
	}
	// c.mu is taken outside m.mu: a signature holds c.mu while forgetting a removed card.
	if c.serial != serial || c.isRemoved() || c.isClosed() {
		m.forget(c)
		return nil
	}
	return c
}

func (m *Module) forget(c *Card) {
	m.mu.Lock()
	if m.cards[c.slot] == c {
		delete(m.cards, c.slot)
	}
	m.mu.Unlock()
}

// login presents the PIN once and maps the token's answer.
func (c *Card) login(pin []byte) error {
	// miekg/pkcs11 takes the PIN as a string: that short-lived copy cannot be wiped.
	err := c.be.Login(c.sh, pkcs11.CKU_USER, string(pin))
	switch {
	case err == nil, hasCode(err, pkcs11.CKR_USER_ALREADY_LOGGED_IN):
		// Already logged in: PKCS#11 login state is per process and token, and another
		// session of this process logged in (with the right PIN) first.
		return nil
	case hasCode(err, pkcs11.CKR_PIN_INCORRECT), hasCode(err, pkcs11.CKR_PIN_INVALID),
		hasCode(err, pkcs11.CKR_PIN_LEN_RANGE):
		return &PINError{Err: ErrPINIncorrect, State: c.pinState()}
	case hasCode(err, pkcs11.CKR_PIN_LOCKED), hasCode(err, pkcs11.CKR_PIN_EXPIRED):
		st := c.pinState()
		st.Locked = true
		return &PINError{Err: ErrPINLocked, State: st}
	case isRemoval(err):
		return fmt.Errorf("cps: login: %w", ErrCardRemoved)
	}
	return wrap("login", err)
}

// pinState reads the PIN counter flags; zero when the token cannot be read.
func (c *Card) pinState() PINState {
	ti, err := c.be.GetTokenInfo(c.slot)
	if err != nil {
		return PINState{}
	}
	return pinState(ti.Flags)
}

// load reads certificates, keys, data objects and mechanisms after login.
func (c *Card) load() error {
	certs, err := readObjects(c.be, c.sh, pkcs11.CKO_CERTIFICATE)
	if err != nil {
		return err
	}
	authObj, signObj, authCert, signCert, cas := certificates(certs)
	if authObj == nil {
		return fmt.Errorf("cps: certificate %s: %w", LabelAuthCert, ErrObjectNotFound)
	}
	if c.authKey, err = keyByLabelOrID(c.be, c.sh, LabelAuthKey, authObj.id); err != nil {
		return err
	}
	c.authCert = authCert
	c.chain = chainOf(authCert, cas)
	if signObj != nil {
		if key, err := keyByLabelOrID(c.be, c.sh, LabelSignKey, signObj.id); err == nil {
			c.signCert, c.signKey = signCert, key
		}
	}
	if _, ok := authCert.PublicKey.(*rsa.PublicKey); !ok {
		return fmt.Errorf("cps: authentication key is %T, want RSA", authCert.PublicKey)
	}
	if c.identity, err = ParseIdentity(authCert); err != nil {
		return err
	}

	data, err := readObjects(c.be, c.sh, pkcs11.CKO_DATA)
	if err != nil {
		return err
	}
	byLabel := map[string][]byte{}
	for _, o := range data {
		byLabel[o.label] = o.value
	}
	if info := strings.TrimSpace(text(byLabel[LabelInfoPS])); len(info) >= 4 {
		c.identity.Specialty = info[len(info)-4:]
	}
	for i := 1; i <= maxActivities; i++ {
		v, ok := byLabel[fmt.Sprintf(activityLabel, i)]
		if !ok {
			continue
		}
		s, err := ParseSituation(i, v)
		if err != nil {
			return err
		}
		c.situations = append(c.situations, s)
	}

	mechs, err := c.be.GetMechanismList(c.slot)
	if err != nil {
		return wrap("mechanisms", err)
	}
	for _, mech := range mechs {
		switch mech.Mechanism {
		case pkcs11.CKM_RSA_PKCS:
			c.pkcs1 = true
		case pkcs11.CKM_RSA_PKCS_PSS:
			c.pss = true
		}
	}
	if !c.pkcs1 {
		return fmt.Errorf("cps: token offers no CKM_RSA_PKCS: %w", ErrMechanism)
	}
	return nil
}

// PINState reads the PIN counter of the card in slot without presenting a PIN, so a UI
// can warn before the last try.
func (m *Module) PINState(ctx context.Context, slot uint) (PINState, error) {
	if err := ctx.Err(); err != nil {
		return PINState{}, err
	}
	ti, err := m.be.GetTokenInfo(slot)
	if isRemoval(err) || hasCode(err, pkcs11.CKR_SLOT_ID_INVALID) {
		return PINState{}, fmt.Errorf("cps: PIN state of slot %d: %w", slot, ErrNoCard)
	}
	if err != nil {
		return PINState{}, wrap(fmt.Sprintf("PIN state of slot %d", slot), err)
	}
	return pinState(ti.Flags), nil
}
