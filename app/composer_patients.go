package app

import (
	"strings"

	"comptoir/mail/patient"
)

// Patient addresses (ECO.2.2.6): a message goes to <INS>@patient.mssante.fr only when the
// address was built from a qualified INS of the patient book, confirmed with the birth date
// and sex. A patient address typed in To or Cc opens that flow instead of being sent: the
// patient is looked up in the book, qualified first if unknown or not qualified, then their
// identity confirmed; the message then leaves. The address of a patient who wrote, in a reply,
// is theirs and goes as is.

// trustPatient accepts addr as a patient address confirmed in this composer.
func (c *Composer) trustPatient(addr string) {
	if c.patientOK == nil {
		c.patientOK = map[string]bool{}
	}
	c.patientOK[strings.ToLower(addr)] = true
}

// trustReplyPatients accepts the patient addresses a reply was opened with: the patient
// who wrote.
func (c *Composer) trustReplyPatients(d Draft) {
	if d.InReplyTo == "" {
		return
	}
	for _, a := range append(append([]Address{}, d.To...), d.Cc...) {
		if patient.IsAddress(a.Email) {
			c.trustPatient(a.Email)
		}
	}
}

// unconfirmedPatient is the first patient address of d not confirmed in this composer ("" if none).
func (c *Composer) unconfirmedPatient(d Draft) string {
	for _, a := range append(append([]Address{}, d.To...), d.Cc...) {
		if patient.IsAddress(a.Email) && !c.patientOK[strings.ToLower(a.Email)] {
			return a.Email
		}
	}
	return ""
}

// confirmPatient runs the patient flow for a typed address; once the identity is confirmed,
// the message is sent.
func (c *Composer) confirmPatient(addr string) {
	t := c.u.tr.T
	ins, err := patient.ParseAddress(addr)
	if err != nil {
		c.fail(t("compose.patient.bad", addr, patient.UserMessage(err)))
		return
	}
	book, _ := c.s.(PatientBook)
	if book == nil {
		c.fail(t("compose.patient.nobook"))
		return
	}
	all, err := book.Patients()
	if err != nil {
		c.u.log.Warn("list patients", "err", err)
	}
	x := patient.Patient{INS: ins, Sex: ins.Sex()}
	known := false
	for _, p := range all {
		if p.INS == ins {
			x, known = p, true
			break
		}
	}
	if !known || !x.Qualified {
		c.fail(t("compose.patient.qualify", ins.Grouped()))
		c.PatientForm = c.u.showPatientForm(c.s, book, &x, func(saved patient.Patient) {
			c.PatientForm = nil
			if saved.Qualified {
				c.askPatientIdentity(addr, saved)
			}
		})
		return
	}
	c.askPatientIdentity(addr, x)
}

// askPatientIdentity confirms x's birth date and sex, then sends to addr.
func (c *Composer) askPatientIdentity(addr string, x patient.Patient) {
	t := c.u.tr.T
	c.fail(t("compose.patient.confirm", x.DisplayName()))
	c.Identity = c.u.askIdentity(c.s, x, t("compose.patient.confirm.ok"), func(built string, _ patient.Patient) {
		c.Identity = nil
		if !strings.EqualFold(built, addr) {
			c.fail(t("compose.patient.mismatch"))
			return
		}
		c.Error.Hide()
		c.trustPatient(addr)
		c.send()
	})
}
