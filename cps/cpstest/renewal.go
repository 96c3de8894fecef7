package cpstest

import (
	"fmt"

	"comptoir/cps"

	"github.com/miekg/pkcs11"
)

// Renewal is the card that replaces f's when it is renewed: the same holder (national id,
// names, situations) and PIN, new key pairs and certificates, its own token label and
// serial. WriteCard puts it in a reader.
func Renewal(f Fixture) Fixture {
	r := f
	r.renewal = f.renewal + 1
	r.Label = fmt.Sprintf("%s R%d", f.Label, r.renewal)
	if len(r.Label) > 32 {
		r.Label = r.Label[len(r.Label)-32:]
	}
	r.Serial = fmt.Sprintf("%.13sR%02d", f.Serial, r.renewal)
	return r
}

// WriteCard writes f's token into a blank SoftHSM slot of these cards, unless a token
// labelled f.Label is there already: the card is then in a reader of every module opened on
// these cards. It serves cards that are not among Fixtures, such as a Renewal.
func (c *Cards) WriteCard(f Fixture) error {
	if err := c.setenv(); err != nil {
		return err
	}
	p11, err := cps.Context(c.module)
	if err != nil {
		return fmt.Errorf("cpstest: load SoftHSM2: %w", err)
	}
	if _, err := findSlot(p11, func(ti pkcs11.TokenInfo) bool {
		return ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED != 0 && trimLabel(ti.Label) == f.Label
	}); err == nil {
		return nil
	}
	if f.NoPSS {
		c.faults.NoPSS(f.Label)
	}
	return writeToken(p11, f, c.pki)
}
