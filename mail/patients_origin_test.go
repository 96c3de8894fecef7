package mail

import (
	"errors"
	"fmt"
	"testing"

	"comptoir/store"
)

// Only a message whose Mon Espace Santé origin the operator vouches for creates a patient
// record, marked unconfirmed. Today's main created one from any From header. The messages
// are put straight into Dovecot (a third-party server): what counts is what the client
// trusts, whichever server delivered.
func TestHostilePatientRecordNeedsOperatorWord(t *testing.T) {
	r := newRig(t)
	const op = "sandbox.mssante.test" // r.op.Domain
	patientMsg := func(ins, fields string) []byte {
		return []byte(fmt.Sprintf("Return-Path: <x@y>\r\n%sFrom: Camille ROUSSEL <%s@patient.mssante.fr>\r\n"+
			"To: %s\r\nSubject: Ordonnance %s\r\nMessage-ID: <%s@test>\r\nDate: Mon, 2 Mar 2026 10:00:00 +0100\r\n"+
			"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBonjour.\r\n", fields, ins, testBAL, ins, ins))
	}
	vouched := func(ins string) string {
		return "Authentication-Results: " + op + "; mss-patient=pass header.from=" + ins + "@patient.mssante.fr\r\n"
	}
	const (
		genuine  = "285046912304595" // valid keys (NIR mod 97)
		spoofed  = "169037512301505"
		foreign  = "279128812302227"
		underTop = "291022A12301285"
	)
	r.deliver(testBAL, "INBOX", patientMsg(genuine, vouched(genuine)))
	r.deliver(testBAL, "INBOX", patientMsg(spoofed, ""))
	r.deliver(testBAL, "INBOX", patientMsg(foreign, "Authentication-Results: autre-operateur.example; mss-patient=pass header.from="+foreign+"@patient.mssante.fr\r\n"))
	r.deliver(testBAL, "INBOX", patientMsg(underTop, "Authentication-Results: "+op+"; auth=pass smtp.mailfrom=dr@x\r\n"+vouched(underTop)))
	e := NewEngine(r.config())
	if err := e.SyncOnce(r.ctx, testBAL); err != nil {
		t.Fatal(err)
	}
	p, err := r.store.Patient(genuine)
	if err != nil {
		t.Fatalf("no record for the patient the operator vouched for: %v", err)
	}
	if !p.Unconfirmed || p.Qualified || p.BirthName != "ROUSSEL" {
		t.Fatalf("record %+v: want unconfirmed, unqualified, ROUSSEL", p)
	}
	for _, ins := range []string{spoofed, foreign, underTop} {
		if _, err := r.store.Patient(ins); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a record was created for %s without the operator's word: %v", ins, err)
		}
	}
}
