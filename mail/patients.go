package mail

import (
	"strings"
	"time"
	"unicode"

	"comptoir/mail/patient"
	"comptoir/store"
)

// patientStore is the part of the cache that keeps patients (*store.Store has it); a Store
// without it simply gets no automatic patients.
type patientStore interface {
	AddPatients([]store.Patient) (int, error)
}

// notePatients records the sender of each received Mon Espace Santé message as a patient
// when the cache does not know the INS yet. The INS comes from the sender's address
// (<INS>@patient.mssante.fr, key checked); the name from its display name.
//
// Anyone in the trust space can write a patient's address in a From header, so the record
// is created only when the patient origin is established: the operator's
// Authentication-Results vouches for it (patient.OriginEstablished: the topmost field, with
// the configured operator domain as authserv-id, "mss-patient=pass" for that address). A
// message without it creates nothing (a large message whose body is streamed neither: its
// header is not at hand here). The record is marked Unconfirmed (« non vérifié ») until the
// pharmacist saves it, and not qualified: the counter confirms the identity before writing
// to the patient (ECO.2.2.6).
func (e *Engine) notePatients(msgs []store.Message) {
	ps, ok := e.cfg.Store.(patientStore)
	if !ok {
		return
	}
	seen := map[patient.INS]bool{}
	var add []store.Patient
	for _, m := range msgs {
		env := m.Envelope
		ins, err := patient.ParseAddress(env.From.Email)
		if err != nil || seen[ins] {
			continue
		}
		if !patient.OriginEstablished(m.Body, e.cfg.Operator.Domain, env.From.Email) {
			e.log.Warn("a message from a patient address without the operator's confirmation: no patient record",
				"bal", env.BAL, "folder", env.Folder, "uid", env.UID)
			continue
		}
		seen[ins] = true
		name := env.From.Name
		if env.Patient != nil && env.Patient.Name != "" {
			name = env.Patient.Name
		}
		birth, first := splitPatientName(name, string(ins))
		add = append(add, store.Patient{INS: string(ins), BirthName: birth, FirstNames: first, Sex: string(ins.Sex()),
			Created: time.Now(), Unconfirmed: true})
	}
	if len(add) == 0 {
		return
	}
	// One transaction for the batch's patients; those the cache knows are left untouched.
	if _, err := ps.AddPatients(add); err != nil {
		e.log.Warn("record patients", "err", err) // a later message from them tries again
	}
}

// splitPatientName splits "Camille ROUSSEL" into the birth name (the words in capitals)
// and the first names. A name without capitals, or one that is only the INS, is kept whole
// as the birth name.
func splitPatientName(name, ins string) (birth, first string) {
	name = strings.TrimSpace(strings.ReplaceAll(name, ins, ""))
	var upper, other []string
	for _, w := range strings.Fields(name) {
		if isCapitals(w) {
			upper = append(upper, w)
		} else {
			other = append(other, w)
		}
	}
	if len(upper) == 0 {
		return name, ""
	}
	return strings.Join(upper, " "), strings.Join(other, " ")
}

func isCapitals(w string) bool {
	letters := 0
	for _, r := range w {
		if unicode.IsLower(r) {
			return false
		}
		if unicode.IsLetter(r) {
			letters++
		}
	}
	return letters > 1
}
