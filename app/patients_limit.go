package app

import (
	"errors"
	"strings"

	"comptoir/mail/msg"
	"comptoir/mail/patient"
)

// patientSizeProblem refuses, before anything is queued, a message to a patient whose
// attachments cannot fit in Mon Espace Santé's 25 MB once encoded (base64 adds a third).
// It returns the French reason, or "".
func (u *UI) patientSizeProblem(d Draft) string {
	toPatient := false
	for _, a := range append(append([]Address{}, d.To...), d.Cc...) {
		toPatient = toPatient || patient.IsAddress(a.Email)
	}
	if !toPatient {
		return ""
	}
	var size int64
	for _, p := range d.Parts {
		size += int64(len(p.Data))
	}
	// base64 lines of 76 characters and CRLF: 4/3 × 78/76 of the data, plus the text.
	encoded := size*4/3*78/76 + int64(len(d.Text)) + int64(len(d.Subject))
	if encoded <= msg.DefaultPatientLimit {
		return ""
	}
	return u.tr.T("patients.toolarge", humanSize(size))
}

// confidentialNote says why a message is confidential, or "": a patient's message received
// in a personal BAL (the seed's confidential prescription goes to the pharmacist's own BAL,
// which the other staff cannot open), or one its sender marked confidential.
func (u *UI) confidentialNote(bals []BAL, m *Message) string {
	if m == nil {
		return ""
	}
	if b := u.patientBook(); b != nil && b.Confidential(m.Ref) {
		return u.tr.T("reader.confidential.marked")
	}
	for _, b := range bals {
		if b.Address == m.BAL && b.Kind == KindPER && patient.IsAddress(m.From.Email) && !strings.EqualFold(m.From.Email, b.Address) {
			return u.tr.T("reader.confidential.per", b.Address)
		}
	}
	return ""
}

// sendFailure is the composer's French message for a refused Send: the 25 MB limit when
// the built message exceeds it (the estimate above may fall just short), else the generic one.
func (u *UI) sendFailure(err error) string {
	if errors.Is(err, msg.ErrTooLargeForPatient) {
		return u.tr.T("patients.toolarge.built")
	}
	return u.tr.T("compose.send.failed")
}
