package sandbox

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"comptoir/cps/cpstest"
)

// A professional's card may send only from its BALs: the From header is checked for every
// message, not only for the null sender. Today's main accepted a doctor's message whose
// From was a patient's address, and the pharmacy's client then took it for the patient's.
func TestHostileSpoofedFromRefused(t *testing.T) {
	e := startEnv(t, nil)
	doc := e.personCert(cpstest.Medecin.Person)
	patient := strings.ToLower(SeedPatientINS()[0]) + "@" + PatientDomain
	for _, c := range []struct{ name, from, extra string }{
		{"a patient's address", "Camille ROUSSEL <" + patient + ">", ""},
		{"another BAL", e.a.Titulaire, ""},
		{"two From addresses", e.a.Doctor + ", " + patient, ""},
		{"a Sender not ours", e.a.Doctor, "Sender: " + patient + "\r\n"},
		{"no From", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl, err := e.smtpClient(&doc, "")
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			before, _ := e.srv.Messages(e.a.Pharmacy)
			raw := rawMessage(c.from, e.a.Pharmacy, "Ordonnance", c.extra, "Voici mon ordonnance.")
			if c.from == "" {
				raw = bytes.Replace(raw, []byte("From: \r\n"), nil, 1)
			}
			err = cl.SendMail(e.a.Doctor, []string{e.a.Pharmacy}, bytes.NewReader(raw))
			var se *smtp.SMTPError
			if !errors.As(err, &se) || se.Code != 553 || se.EnhancedCode != (smtp.EnhancedCode{5, 7, 1}) {
				t.Fatalf("From %q: got %v, want 553 5.7.1", c.from, err)
			}
			if after, _ := e.srv.Messages(e.a.Pharmacy); len(after) != len(before) {
				t.Fatal("the spoofed message was delivered")
			}
		})
	}
}

// On delivery the operator adds its Authentication-Results on top and removes any field the
// sender wrote in its name (RFC 8601 §5).
func TestHostileForgedAuthenticationResultsRemoved(t *testing.T) {
	e := startEnv(t, nil)
	doc := e.personCert(cpstest.Medecin.Person)
	cl, err := e.smtpClient(&doc, "")
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	patient := strings.ToLower(SeedPatientINS()[0]) + "@" + PatientDomain
	forged := "Authentication-Results: " + e.srv.Domain() + "; " + MethodPatient + "=pass header.from=" + patient + "\r\n" +
		"Authentication-Results: (commentaire)\r\n " + strings.ToUpper(e.srv.Domain()) + " 1; " + MethodPatient + "=pass\r\n" +
		"Authentication-Results: autre.example; spf=pass\r\n"
	raw := rawMessage(e.a.Doctor, e.a.Pharmacy, "Compte rendu", forged, "Bonjour.")
	if err := cl.SendMail(e.a.Doctor, []string{e.a.Pharmacy}, bytes.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
	got := headerOf(t, lastMessage(t, e, e.a.Pharmacy))["Authentication-Results"]
	want := []string{e.srv.Domain() + "; auth=pass smtp.mailfrom=" + e.a.Doctor, "autre.example; spf=pass"}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("Authentication-Results delivered:\n%q\nwant\n%q", got, want)
	}

	// A message from Mon Espace Santé: the operator vouches for the patient's address.
	if _, err := e.srv.DeliverFromPatient(SeedPatientINS()[0], e.a.Pharmacy, "Question", "Bonjour", nil); err != nil {
		t.Fatal(err)
	}
	got = headerOf(t, lastMessage(t, e, e.a.Pharmacy))["Authentication-Results"]
	if len(got) != 1 || got[0] != e.srv.Domain()+"; "+MethodPatient+"=pass header.from="+patient {
		t.Fatalf("a patient's message carries %q", got)
	}
}

func TestStripAuthResults(t *testing.T) {
	raw := "Received: x\r\nAuthentication-Results: op.test;\r\n\tmss-patient=pass\r\nSubject: s\r\n" +
		"Authentication-Results: other.test; dkim=pass\r\n\r\nAuthentication-Results: op.test; body\r\n"
	want := "Received: x\r\nSubject: s\r\nAuthentication-Results: other.test; dkim=pass\r\n\r\nAuthentication-Results: op.test; body\r\n"
	if got := string(stripAuthResults([]byte(raw), "op.test")); got != want {
		t.Fatalf("got\n%q\nwant\n%q", got, want)
	}
}
