package sandbox

import (
	"bytes"
	"testing"

	"comptoir/cps/cpstest"
)

// Read receipts (RFC 8098) travel with the null envelope sender; the sandbox accepts them
// only when the header's From is a mailbox the certificate may send from.
func TestSMTPNullSender(t *testing.T) {
	e := startEnv(t, nil)
	tit := e.personCert(cpstest.Titulaire.Person)

	t.Run("read receipt delivered", func(t *testing.T) {
		c, err := e.smtpClient(&tit, e.a.Titulaire)
		if err != nil {
			t.Fatal(err)
		}
		before, _ := e.srv.Messages(e.a.Doctor)
		mdn := rawMessage(e.a.Titulaire, e.a.Doctor, "Lu : Compte rendu", "", "Votre message a été lu.")
		if err := c.SendMail("", []string{e.a.Doctor}, bytes.NewReader(mdn)); err != nil {
			t.Fatalf("null-sender submission refused: %v", err)
		}
		after, _ := e.srv.Messages(e.a.Doctor)
		if len(after) != len(before)+1 {
			t.Fatalf("receipt not delivered: %d messages before, %d after", len(before), len(after))
		}
		if rp := headerOf(t, after[len(after)-1]).Get("Return-Path"); rp != "<>" {
			t.Fatalf("Return-Path = %q, want <>", rp)
		}
	})

	t.Run("null sender cannot spoof From", func(t *testing.T) {
		doc := e.personCert(cpstest.Medecin.Person)
		c, err := e.smtpClient(&doc, "")
		if err != nil {
			t.Fatal(err)
		}
		spoof := rawMessage(e.a.Pharmacy, e.a.Titulaire, "Lu", "", "x")
		if err := c.SendMail("", []string{e.a.Titulaire}, bytes.NewReader(spoof)); smtpCode(err) != 553 {
			t.Fatalf("null sender with another BAL's From: got %v, want 553", err)
		}
	})
}
