package sandbox

import (
	"crypto/tls"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"comptoir/cps/cpstest"
)

func imapCode(err error) imap.ResponseCode {
	var ie *imap.Error
	if errors.As(err, &ie) {
		return ie.Code
	}
	return ""
}

func TestIMAPRefusals(t *testing.T) {
	e := startEnv(t, nil)
	tit := e.personCert(cpstest.Titulaire.Person)

	t.Run("no certificate", func(t *testing.T) {
		for _, implicit := range []bool{false, true} {
			_, err := e.imapLogin(nil, e.a.Titulaire, implicit, nil)
			if err == nil {
				t.Fatalf("implicit=%v: login without a certificate succeeded", implicit)
			}
		}
		// TLS without a certificate is accepted (a Pro Santé Connect login has none); EXTERNAL
		// then refuses.
		_, err := e.imapLogin(nil, e.a.Titulaire, false, nil)
		if !strings.Contains(err.Error(), "Certificate refused") {
			t.Fatalf("got %v, want EXTERNAL refused for want of a certificate", err)
		}
	})

	t.Run("unknown CA", func(t *testing.T) {
		foreign := foreignCert(t, cpstest.Titulaire.NationalID)
		if _, err := e.imapLogin(&foreign, e.a.Titulaire, false, nil); err == nil {
			t.Fatal("certificate from an unknown CA accepted")
		}
		if err := e.tlsAlert(&foreign); !strings.Contains(err.Error(), "bad certificate") {
			t.Fatalf("got %v, want a TLS bad-certificate alert", err)
		}
	})

	t.Run("revoked certificate", func(t *testing.T) {
		revoked := e.personCert(cpstest.Titulaire.Person)
		if _, err := e.imapLogin(&revoked, e.a.Titulaire, true, nil); err != nil {
			t.Fatalf("before revocation: %v", err)
		}
		if err := e.pki.Revoke(revoked.Leaf.SerialNumber); err != nil {
			t.Fatal(err)
		}
		for _, implicit := range []bool{true, false} {
			if _, err := e.imapLogin(&revoked, e.a.Titulaire, implicit, nil); err == nil {
				t.Fatalf("revoked certificate accepted (implicit=%v)", implicit)
			}
		}
		if err := e.tlsAlert(&revoked); !strings.Contains(err.Error(), "bad certificate") {
			t.Fatalf("got %v, want a TLS bad-certificate alert", err)
		}
	})

	t.Run("no right on the ORG BAL", func(t *testing.T) {
		doc := e.personCert(cpstest.Medecin.Person)
		_, err := e.imapLogin(&doc, e.a.Pharmacy, false, nil)
		if imapCode(err) != imap.ResponseCodeAuthorizationFailed {
			t.Fatalf("got %v, want NO [AUTHORIZATIONFAILED]", err)
		}
		_, err = e.imapLogin(&tit, e.a.Doctor, false, nil) // someone else's PER BAL
		if imapCode(err) != imap.ResponseCodeAuthorizationFailed {
			t.Fatalf("got %v, want NO [AUTHORIZATIONFAILED]", err)
		}
		_, err = e.imapLogin(&tit, "nobody@"+e.srv.Domain(), false, nil)
		if imapCode(err) != imap.ResponseCodeAuthorizationFailed {
			t.Fatalf("unknown BAL: got %v, want NO [AUTHORIZATIONFAILED]", err)
		}
	})

	t.Run("LOGIN refused", func(t *testing.T) {
		c, err := imapclient.DialStartTLS(e.srv.IMAPAddr(), &imapclient.Options{TLSConfig: e.clientTLS(&tit)})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Login(e.a.Titulaire, "secret").Wait(); err == nil {
			t.Fatal("password login accepted")
		}
	})
}

func TestIMAPSession(t *testing.T) {
	e := startEnv(t, nil)
	tit := e.personCert(cpstest.Titulaire.Person)
	prep := e.personCert(cpstest.Preparateur.Person)

	// Every member opens the ORG BAL, with STARTTLS and with implicit TLS.
	for _, implicit := range []bool{false, true} {
		if _, err := e.imapLogin(&prep, e.a.Pharmacy, implicit, nil); err != nil {
			t.Fatalf("préparateur, implicit=%v: %v", implicit, err)
		}
	}
	// Empty authorization identity, or the holder's own id: the holder's PER BAL.
	for _, authzid := range []string{"", cpstest.Titulaire.NationalID} {
		if _, err := e.imapLogin(&tit, authzid, false, nil); err != nil {
			t.Fatalf("default BAL (authzid %q): %v", authzid, err)
		}
	}

	updates := make(chan uint32, 8)
	c, err := e.imapLogin(&tit, e.a.Pharmacy, false, &imapclient.Options{
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					updates <- *d.NumMessages
				}
			},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	caps, err := c.Capability().Wait()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []imap.Cap{imap.CapIdle, imap.CapUIDPlus, imap.CapMove, imap.CapSpecialUse} {
		if !caps.Has(want) {
			t.Errorf("capability %s missing", want)
		}
	}

	boxes, err := c.List("", "*", &imap.ListOptions{ReturnSpecialUse: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	uses := map[imap.MailboxAttr]string{}
	for _, b := range boxes {
		for _, a := range b.Attrs {
			uses[a] = b.Mailbox
		}
	}
	for _, want := range []imap.MailboxAttr{imap.MailboxAttrSent, imap.MailboxAttrDrafts, imap.MailboxAttrTrash} {
		if uses[want] == "" {
			t.Errorf("no folder with %s in %v", want, boxes)
		}
	}

	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.NumMessages < 40 {
		t.Fatalf("seeded INBOX has %d messages, want at least 40", sel.NumMessages)
	}

	// IDLE sees a patient's message as it arrives.
	idle, err := c.Idle()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.DeliverFromPatient(SeedPatientINS()[4], e.a.Pharmacy, "Pendant l'IDLE", "Bonjour", nil); err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-updates:
		if n != sel.NumMessages+1 {
			t.Errorf("IDLE: EXISTS %d, want %d", n, sel.NumMessages+1)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no EXISTS during IDLE")
	}
	if err := idle.Close(); err != nil {
		t.Fatal(err)
	}
	if err := idle.Wait(); err != nil {
		t.Fatal(err)
	}

	// FETCH the newest message and check it carries what the patient wrote.
	msgs, err := c.Fetch(imap.SeqSetNum(sel.NumMessages+1), &imap.FetchOptions{
		UID: true, Envelope: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}},
	}).Collect()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("fetch: %v (%d messages)", err, len(msgs))
	}
	if msgs[0].Envelope.Subject != "Pendant l'IDLE" {
		t.Errorf("subject %q", msgs[0].Envelope.Subject)
	}
	uid := msgs[0].UID

	// UIDPLUS APPEND into Drafts, then MOVE the patient's message to Trash.
	draft := "From: x@" + e.srv.Domain() + "\r\nSubject: brouillon\r\n\r\ntexte\r\n"
	app := c.Append("Drafts", int64(len(draft)), &imap.AppendOptions{Flags: []imap.Flag{imap.FlagDraft}})
	app.Write([]byte(draft))
	app.Close()
	ad, err := app.Wait()
	if err != nil || ad.UID == 0 || ad.UIDValidity == 0 {
		t.Fatalf("APPEND: %v %+v", err, ad)
	}
	countBefore := c.Mailbox().NumMessages
	md, err := c.Move(imap.UIDSetNum(uid), "Trash").Wait()
	if err != nil {
		t.Fatalf("MOVE: %v", err)
	}
	if md.DestUIDs == nil {
		t.Errorf("MOVE without COPYUID")
	}
	if n := c.Mailbox().NumMessages; n != countBefore-1 {
		t.Errorf("after MOVE the client counts %d messages, want %d (one EXPUNGE)", n, countBefore-1)
	}
	st, err := c.Status("Trash", &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil || *st.NumMessages != 1 {
		t.Fatalf("Trash status: %v %v", err, st)
	}

	// STORE \Seen survives a restart (checked in TestRestart); here check flags round-trip.
	if _, err := c.Store(imap.UIDSetNum(msgs[0].UID), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagFlagged}}, nil).Collect(); err != nil {
		t.Fatalf("STORE: %v", err)
	}
	// EXAMINE: reading does not mark \Seen, STORE is refused.
	if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	last := imap.SeqSetNum(sel.NumMessages) // the stock question, unread
	if _, err := c.Fetch(last, &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{{}}}).Collect(); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Fetch(last, &imap.FetchOptions{Flags: true}).Collect(); err != nil || len(got) != 1 || hasFlag(got[0].Flags, imap.FlagSeen) {
		t.Fatalf("EXAMINE marked the message read: %v %+v", err, got)
	}
	if _, err := c.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Collect(); err == nil {
		t.Error("STORE accepted after EXAMINE")
	}
	if err := c.Logout().Wait(); err != nil {
		t.Fatal(err)
	}
}

// tlsAlert connects to the implicit-TLS IMAP port and returns the error of the first read:
// the alert the server sent (go-imap's client reports a refused handshake as a closed
// connection).
func (e *env) tlsAlert(cert *tls.Certificate) error {
	e.t.Helper()
	conn, err := tls.Dial("tcp", e.srv.IMAPSAddr(), e.clientTLS(cert))
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 1)
	if _, err := conn.Read(buf); err != nil {
		return err
	}
	return errors.New("connection accepted")
}
