package sandbox

import (
	"bytes"
	"fmt"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"comptoir/cps/cpstest"
)

func rawMessage(from, to, subject string, extra string, body string) []byte {
	return []byte(fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@test>\r\nX-MSS-NIL: Comptoir/test\r\n%sMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n",
		from, to, subject, strings.ReplaceAll(subject, " ", "-"), extra, body))
}

// headerOf parses the header of a stored message.
func headerOf(t *testing.T, raw []byte) mail.Header {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("stored message does not parse: %v", err)
	}
	return m.Header
}

func lastMessage(t *testing.T, e *env, addr string) []byte {
	t.Helper()
	msgs, err := e.srv.Messages(addr)
	if err != nil || len(msgs) == 0 {
		t.Fatalf("Messages(%s): %v (%d)", addr, err, len(msgs))
	}
	return msgs[len(msgs)-1]
}

func TestSMTPSubmission(t *testing.T) {
	e := startEnv(t, func(o *Options) {
		o.MaxPatientSize = 64 << 10
		o.MaxSize = 1 << 20
		o.ValidationDelay = 300 * time.Millisecond
	})
	tit := e.personCert(cpstest.Titulaire.Person)
	camille := SeedPatientINS()[0]
	patientAddr := strings.ToLower(camille) + "@" + PatientDomain

	t.Run("no certificate", func(t *testing.T) {
		if _, err := e.smtpClient(nil, ""); err == nil {
			t.Fatal("submission without a certificate accepted")
		}
	})

	t.Run("no authentication", func(t *testing.T) {
		c, err := e.smtpClient(&tit, "")
		if err != nil {
			t.Fatal(err)
		}
		c.Reset()
		// A second, unauthenticated client.
		c2, err := smtpDialOnly(e, &tit)
		if err != nil {
			t.Fatal(err)
		}
		if err := c2.Mail(e.a.Titulaire, nil); smtpCode(err) < 500 {
			t.Fatalf("MAIL before AUTH: got %v, want a 5xx refusal", err)
		}
	})

	t.Run("spoofed sender", func(t *testing.T) {
		doc := e.personCert(cpstest.Medecin.Person)
		c, err := e.smtpClient(&doc, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Mail(e.a.Pharmacy, nil); smtpCode(err) != 553 {
			t.Fatalf("doctor sending as the pharmacy: got %v, want 553", err)
		}
		if err := c.Mail(e.a.Titulaire, nil); smtpCode(err) != 553 {
			t.Fatalf("doctor sending as the titulaire: got %v, want 553", err)
		}
	})

	t.Run("outside the trust space", func(t *testing.T) {
		c, err := e.smtpClient(&tit, e.a.Pharmacy)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Mail(e.a.Pharmacy, nil); err != nil {
			t.Fatal(err)
		}
		if err := c.Rcpt("someone@gmail.com", nil); smtpCode(err) != 550 || !strings.Contains(err.Error(), "trust space") {
			t.Fatalf("RCPT outside the trust space: got %v, want 550", err)
		}
	})

	t.Run("local delivery", func(t *testing.T) {
		c, err := e.smtpClient(&tit, e.a.Pharmacy)
		if err != nil {
			t.Fatal(err)
		}
		msg := rawMessage(e.a.Pharmacy, e.a.Doctor, "Question traitement", "", "Bonjour docteur.")
		if err := c.SendMail(e.a.Pharmacy, []string{e.a.Doctor}, bytes.NewReader(msg)); err != nil {
			t.Fatalf("send: %v", err)
		}
		h := headerOf(t, lastMessage(t, e, e.a.Doctor))
		if h.Get("Subject") != "Question traitement" || h.Get("Return-Path") != "<"+e.a.Pharmacy+">" {
			t.Fatalf("delivered header: %v", h)
		}
	})

	t.Run("unknown recipient bounces", func(t *testing.T) {
		c, err := e.smtpClient(&tit, e.a.Titulaire)
		if err != nil {
			t.Fatal(err)
		}
		before, _ := e.srv.Messages(e.a.Titulaire)
		msg := rawMessage(e.a.Titulaire, "inconnu@"+e.srv.Domain(), "Pour personne", "", "x")
		if err := c.SendMail(e.a.Titulaire, []string{"inconnu@" + e.srv.Domain()}, bytes.NewReader(msg)); err != nil {
			t.Fatalf("send: %v", err)
		}
		after, _ := e.srv.Messages(e.a.Titulaire)
		if len(after) != len(before)+1 {
			t.Fatalf("no DSN delivered")
		}
		checkDSN(t, after[len(after)-1], "inconnu@"+e.srv.Domain(), "5.1.1")
	})

	t.Run("DSN on request (RFC 3461)", func(t *testing.T) {
		c, err := e.smtpClient(&tit, e.a.Pharmacy)
		if err != nil {
			t.Fatal(err)
		}
		send := func(to string, notify ...smtp.DSNNotify) {
			t.Helper()
			if err := c.Mail(e.a.Pharmacy, &smtp.MailOptions{EnvelopeID: "env-42"}); err != nil {
				t.Fatal(err)
			}
			if err := c.Rcpt(to, &smtp.RcptOptions{Notify: notify, OriginalRecipientType: smtp.DSNAddressTypeRFC822, OriginalRecipient: to}); err != nil {
				t.Fatal(err)
			}
			w, err := c.Data()
			if err != nil {
				t.Fatal(err)
			}
			w.Write(rawMessage(e.a.Pharmacy, to, "Avec accusé", "", "x"))
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
		}
		count := func() int { m, _ := e.srv.Messages(e.a.Pharmacy); return len(m) }
		n := count()
		send(e.a.Doctor, smtp.DSNNotifySuccess, smtp.DSNNotifyFailure)
		if count() != n+1 {
			t.Fatal("no success DSN")
		}
		dsn := lastMessage(t, e, e.a.Pharmacy)
		for _, want := range []string{"Action: delivered", "Status: 2.0.0", "Original-Envelope-Id: env-42", "Original-Recipient: rfc822; " + e.a.Doctor} {
			if !bytes.Contains(dsn, []byte(want)) {
				t.Fatalf("success DSN lacks %q:\n%s", want, dsn)
			}
		}
		n = count()
		send("inconnu@"+e.srv.Domain(), smtp.DSNNotifyNever)
		if count() != n {
			t.Fatal("DSN sent despite NOTIFY=NEVER")
		}
	})

	t.Run("patient: reply, FIN, unknown INS, oversize", func(t *testing.T) {
		c, err := e.smtpClient(&tit, e.a.Pharmacy)
		if err != nil {
			t.Fatal(err)
		}
		inbox := func() int { m, _ := e.srv.Messages(e.a.Pharmacy); return len(m) }

		// An ordinary message: the patient answers.
		n := inbox()
		msg := rawMessage(e.a.Pharmacy, patientAddr, "Votre commande", "", "Votre commande est prête.")
		if err := c.SendMail(e.a.Pharmacy, []string{patientAddr}, bytes.NewReader(msg)); err != nil {
			t.Fatal(err)
		}
		if inbox() != n+1 {
			t.Fatal("no reply from the patient")
		}
		rh := headerOf(t, lastMessage(t, e, e.a.Pharmacy))
		if rh.Get("In-Reply-To") != "<Votre-commande@test>" || !strings.Contains(rh.Get("From"), patientAddr) {
			t.Fatalf("patient reply header: %v", rh)
		}

		// X-MSS-MES: FIN: delivered as is, no reply.
		n = inbox()
		msg = rawMessage(e.a.Pharmacy, patientAddr, "Information", "X-MSS-MES: FIN\r\n", "Pas de réponse attendue.")
		if err := c.SendMail(e.a.Pharmacy, []string{patientAddr}, bytes.NewReader(msg)); err != nil {
			t.Fatal(err)
		}
		ph := headerOf(t, lastMessage(t, e, patientAddr))
		if ph.Get("X-MSS-MES") != "FIN" || ph.Get("Subject") != "Information" {
			t.Fatalf("patient received %v", ph)
		}
		if inbox() != n {
			t.Fatal("the patient replied to a FIN message")
		}

		// Unknown INS (valid key, not a Mon Espace Santé user) and invalid key: bounces.
		for _, ins := range []string{withKey("1700169123456"), "170016912345600"} {
			addr := strings.ToLower(ins) + "@" + PatientDomain
			msg = rawMessage(e.a.Pharmacy, addr, "Inconnu", "", "x")
			if err := c.SendMail(e.a.Pharmacy, []string{addr}, bytes.NewReader(msg)); err != nil {
				t.Fatal(err)
			}
			checkDSN(t, lastMessage(t, e, e.a.Pharmacy), addr, "5.1.1")
		}

		// Over Mon Espace Santé's limit: refused by a DSN, not delivered.
		before, _ := e.srv.Messages(patientAddr)
		big := rawMessage(e.a.Pharmacy, patientAddr, "Trop gros", "", strings.Repeat("0123456789abcdef\r\n", 5000))
		if err := c.SendMail(e.a.Pharmacy, []string{patientAddr}, bytes.NewReader(big)); err != nil {
			t.Fatal(err)
		}
		checkDSN(t, lastMessage(t, e, e.a.Pharmacy), patientAddr, "5.3.4")
		if after, _ := e.srv.Messages(patientAddr); len(after) != len(before) {
			t.Fatal("oversized message reached the patient")
		}
	})

	t.Run("over the operator's size limit", func(t *testing.T) {
		c, err := e.smtpClient(&tit, e.a.Pharmacy)
		if err != nil {
			t.Fatal(err)
		}
		// Declared with the SIZE extension: refused at MAIL FROM.
		if err := c.Mail(e.a.Pharmacy, &smtp.MailOptions{Size: e.srv.opts.MaxSize + 1}); smtpCode(err) != 552 {
			t.Fatalf("got %v, want 552", err)
		}
	})

	t.Run("APP BAL with an organisation certificate", func(t *testing.T) {
		app, err := e.pki.IssueOrganisation("PHARMACIE DES TILLEULS", cpstest.Pharmacie.StructureID)
		if err != nil {
			t.Fatal(err)
		}
		addr := e.createAPP(t, &tit, app)
		e.waitActive(t, addr)
		c, err := e.smtpClient(&app, addr)
		if err != nil {
			t.Fatalf("APP BAL auth: %v", err)
		}
		msg := rawMessage(addr, e.a.Doctor, "Message automatique", "", "Rappel de renouvellement.")
		if err := c.SendMail(addr, []string{e.a.Doctor}, bytes.NewReader(msg)); err != nil {
			t.Fatalf("APP send: %v", err)
		}
		if err := c.SendMail(e.a.Pharmacy, []string{e.a.Doctor}, bytes.NewReader(msg)); smtpCode(err) != 553 {
			t.Fatalf("APP certificate sending as the ORG BAL: got %v, want 553", err)
		}
		if _, err := e.imapLogin(&app, "", true, nil); err != nil {
			t.Fatalf("APP certificate opens its BAL over IMAP: %v", err)
		}
		if _, err := e.imapLogin(&app, e.a.Pharmacy, false, nil); imapCode(err) != "AUTHORIZATIONFAILED" {
			t.Fatalf("APP certificate opens the ORG BAL: %v", err)
		}
	})
}

func checkDSN(t *testing.T, raw []byte, rcpt, status string) {
	t.Helper()
	h := headerOf(t, raw)
	if !strings.HasPrefix(h.Get("Content-Type"), "multipart/report; report-type=delivery-status") {
		t.Fatalf("not a DSN: %v", h.Get("Content-Type"))
	}
	for _, want := range []string{"Final-Recipient: rfc822; " + rcpt, "Action: failed", "Status: " + status, "text/rfc822-headers"} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Fatalf("DSN lacks %q:\n%s", want, raw)
		}
	}
}
