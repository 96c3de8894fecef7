package sandbox

import (
	"bytes"
	"context"
	"io"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	gomail "github.com/emersion/go-message/mail"

	"comptoir/cps/cpstest"
	"comptoir/mail/xdm"
)

func TestSeedAndRestart(t *testing.T) {
	e := startEnv(t, nil)
	a := e.a

	// The seed: patients with valid INS, the counter situations and the doctor's report.
	for _, ins := range SeedPatientINS() {
		if !validINS(ins) {
			t.Errorf("seed INS %s has a wrong key", ins)
		}
	}
	inbox, err := e.srv.Messages(a.Pharmacy)
	if err != nil {
		t.Fatal(err)
	}
	if len(inbox) < 40 {
		t.Fatalf("ORG INBOX has %d messages", len(inbox))
	}
	var sawXDM, sawPhoto, sawStock, sawMDN, sawDSN bool
	for _, raw := range inbox {
		m, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("seed message does not parse: %v", err)
		}
		s := new(mimeDecoder).decode(m.Header.Get("Subject"))
		switch {
		case strings.HasPrefix(s, "XDM/1.0/DDM+"):
			sawXDM = m.Header.Get("X-MSS-CODECDA") == "11488-4" && m.Header.Get("X-MSS-INS") == "O" &&
				bytes.Contains(raw, []byte("application/pdf"))
			zipData := attachment(t, raw, "IHE_XDM.ZIP")
			pkg, err := xdm.Read(bytes.NewReader(zipData), int64(len(zipData)), nil)
			if err != nil {
				t.Fatalf("seed XDM unreadable by mail/xdm: %v", err)
			}
			if pkg.Patient.ID != SeedPatientINS()[0] || len(pkg.Documents) != 1 || len(pkg.Documents[0].PDF) == 0 {
				t.Fatalf("seed XDM: patient %q, %d documents", pkg.Patient.ID, len(pkg.Documents))
			}
		case s == "Ordonnance pour ce soir":
			sawPhoto = bytes.Contains(raw, []byte("image/jpeg")) && bytes.Contains(raw, []byte("application/pdf"))
		case s == "Médicament en stock ?":
			sawStock = true
		case m.Header.Get("Disposition-Notification-To") != "":
			sawMDN = true
		case strings.Contains(m.Header.Get("Content-Type"), "report-type=delivery-status"):
			sawDSN = true
		}
	}
	if !sawXDM || !sawPhoto || !sawStock || !sawMDN || !sawDSN {
		t.Fatalf("seed: xdm=%v prescription=%v stock=%v mdn=%v dsn=%v", sawXDM, sawPhoto, sawStock, sawMDN, sawDSN)
	}
	per, err := e.srv.Messages(a.Titulaire)
	if err != nil || len(per) != 1 || !bytes.Contains(per[0], []byte("Ordonnance confidentielle")) {
		t.Fatalf("PER INBOX: %v (%d)", err, len(per))
	}

	// Change state over IMAP, then restart on the same data directory.
	card := e.personCert(cpstest.Titulaire.Person)
	c, err := e.imapLogin(&card, a.Pharmacy, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagFlagged}}, nil).Collect(); err != nil {
		t.Fatal(err)
	}
	if err := c.Create("Ordonnances", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	before, err := c.Status("INBOX", &imap.StatusOptions{NumMessages: true, UIDNext: true, UIDValidity: true, NumUnseen: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}

	srv2, err := Start(context.Background(), Options{DataDir: e.dir, PKI: e.pki, Seed: true, ValidationDelay: time.Hour})
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	t.Cleanup(func() { srv2.Close() })
	e.srv = srv2
	c, err = e.imapLogin(&card, a.Pharmacy, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	after, err := c.Status("INBOX", &imap.StatusOptions{NumMessages: true, UIDNext: true, UIDValidity: true, NumUnseen: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if *after.NumMessages != *before.NumMessages || after.UIDNext != before.UIDNext || after.UIDValidity != before.UIDValidity ||
		*after.NumUnseen != *before.NumUnseen {
		t.Fatalf("INBOX after restart %+v, before %+v", after, before)
	}
	if _, err := c.Status("Ordonnances", &imap.StatusOptions{NumMessages: true}).Wait(); err != nil {
		t.Fatalf("created folder lost: %v", err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	got, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{Flags: true}).Collect()
	if err != nil || len(got) != 1 || !hasFlag(got[0].Flags, imap.FlagFlagged) {
		t.Fatalf("flag lost: %v %+v", err, got)
	}
}

func hasFlag(flags []imap.Flag, f imap.Flag) bool {
	for _, x := range flags {
		if strings.EqualFold(string(x), string(f)) {
			return true
		}
	}
	return false
}

// attachment returns the decoded body of the attachment named name.
func attachment(t *testing.T, raw []byte, name string) []byte {
	t.Helper()
	mr, err := gomail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	for {
		p, err := mr.NextPart()
		if err != nil {
			t.Fatalf("no attachment %s: %v", name, err)
		}
		if h, ok := p.Header.(*gomail.AttachmentHeader); ok {
			if fn, _ := h.Filename(); fn == name {
				data, err := io.ReadAll(p.Body)
				if err != nil {
					t.Fatal(err)
				}
				return data
			}
		}
	}
}
