package sandbox

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"mime/multipart"
	"net/mail"
	"net/textproto"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

// Errors of the helpers for demos and tests.
var (
	ErrUnknownBAL     = errors.New("sandbox: unknown or inactive BAL")
	ErrInvalidINS     = errors.New("sandbox: invalid INS (NIR key)")
	ErrNoSuchMailbox  = errors.New("sandbox: no such mailbox")
	ErrUnknownPatient = errors.New("sandbox: unknown patient")
)

// failure is one recipient that could not be delivered.
type failure struct {
	rcpt, status, diag string
}

// envRcpt is a recipient with its RFC 3461 parameters.
type envRcpt struct {
	addr   string
	notify []smtp.DSNNotify // empty: failures only
	orcpt  string
}

func (r envRcpt) wants(n smtp.DSNNotify) bool {
	if len(r.notify) == 0 {
		return n == smtp.DSNNotifyFailure
	}
	return slices.Contains(r.notify, n)
}

// envelope is one submitted message.
type envelope struct {
	from, envID string
	rcpts       []envRcpt
	raw         []byte
}

// dsnEntry is one per-recipient block of a delivery status notification.
type dsnEntry struct {
	rcpt, orcpt, action, status, diag string
}

// deliver puts a submitted message in every recipient's INBOX, simulates Mon Espace Santé for
// patients, and returns one DSN to the sender for the recipients that failed (unless they
// asked NOTIFY=NEVER) or were delivered with NOTIFY=SUCCESS.
func (s *Server) deliver(env envelope) error {
	now := s.opts.Now()
	stamped := s.stamp(env.from, s.opts.Domain, now, env.raw, submittedVerdict(env.from))
	var report []dsnEntry
	for _, r := range env.rcpts {
		local, domain, _ := strings.Cut(r.addr, "@")
		var f *failure
		if strings.EqualFold(domain, PatientDomain) {
			var err error
			if f, err = s.deliverToPatient(env.from, strings.ToUpper(local), env.raw, stamped); err != nil {
				return err
			}
		} else if b := s.reg.bal(r.addr); b == nil || !b.active(now) {
			f = &failure{r.addr, "5.1.1", "smtp; 550 5.1.1 No such mailbox in the sandbox operator"}
		} else if err := s.appendTo(b.Address, "INBOX", stamped, now); err != nil {
			return err
		}
		switch {
		case f != nil && r.wants(smtp.DSNNotifyFailure):
			report = append(report, dsnEntry{f.rcpt, r.orcpt, "failed", f.status, f.diag})
		case f == nil && r.wants(smtp.DSNNotifySuccess):
			report = append(report, dsnEntry{r.addr, r.orcpt, "delivered", "2.0.0", "smtp; 250 2.0.0 Delivered to the mailbox"})
		}
	}
	if len(report) > 0 && env.from != "" {
		dsn := buildDSN(s.opts.Domain, env.from, env.envID, report, env.raw, now)
		if err := s.appendTo(env.from, "INBOX", dsn, now); err != nil {
			return err
		}
	}
	return nil
}

// deliverToPatient plays Mon Espace Santé: unknown INS and oversize are bounced; a message
// that does not carry X-MSS-MES: FIN is answered by the patient.
func (s *Server) deliverToPatient(from, ins string, raw, stamped []byte) (*failure, error) {
	rcpt := strings.ToLower(ins) + "@" + PatientDomain
	p, known := s.reg.patient(ins)
	switch {
	case !validINS(ins) || !known:
		return &failure{rcpt, "5.1.1", "smtp; 550 5.1.1 Patient unknown to Mon Espace Sante (INS)"}, nil
	case int64(len(raw)) > s.opts.MaxPatientSize:
		return &failure{rcpt, "5.3.4", fmt.Sprintf("smtp; 552 5.3.4 Message exceeds Mon Espace Sante limit of %d bytes", s.opts.MaxPatientSize)}, nil
	}
	now := s.opts.Now()
	if err := s.appendTo(rcpt, "INBOX", stamped, now); err != nil {
		return nil, err
	}
	hdr, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw))).ReadMIMEHeader()
	if err != nil && len(hdr) == 0 {
		return nil, nil
	}
	// No reply to a report sent with the null sender, nor when the sender asked for none.
	if from == "" || strings.EqualFold(strings.TrimSpace(hdr.Get("X-MSS-MES")), "FIN") {
		return nil, nil
	}
	dec := new(mimeDecoder)
	subject := dec.decode(hdr.Get("Subject"))
	if !strings.HasPrefix(strings.ToLower(subject), "re:") {
		subject = "Re: " + subject
	}
	h := baseHeader(p.Name, rcpt, []string{from}, subject, now, newMessageID(PatientDomain))
	if id := strings.TrimSpace(hdr.Get("Message-Id")); id != "" {
		h.add("In-Reply-To", id)
		h.add("References", strings.TrimSpace(hdr.Get("References")+" "+id))
	}
	reply := mailParts{text: "Bonjour,\n\nMerci pour votre message, je l'ai bien reçu.\n\nCordialement,\n" + p.Name + "\n"}.build(h)
	if err := s.appendTo(from, "INBOX", s.stamp(rcpt, PatientDomain, now, reply, patientVerdict(rcpt)), now); err != nil {
		return nil, err
	}
	return nil, nil
}

func (s *Server) appendTo(addr, folder string, raw []byte, t time.Time) error {
	a, err := s.mail.ensure(addr)
	if err != nil {
		return err
	}
	mb, err := a.box(folder)
	if err != nil {
		return fmt.Errorf("sandbox: deliver to %s/%s: %w", addr, folder, err)
	}
	_, err = mb.appendBytes(raw, t, nil)
	return err
}

// buildDSN writes an RFC 3464 delivery status notification (multipart/report) with the
// original message's header.
func buildDSN(domain, to, envID string, entries []dsnEntry, original []byte, now time.Time) []byte {
	failed := 0
	for _, e := range entries {
		if e.action == "failed" {
			failed++
		}
	}
	subject := "Distribué : "
	if failed > 0 {
		subject = "Non distribué : "
	}
	h := baseHeader("Mail Delivery System", "mailer-daemon@"+domain, []string{to},
		subject+originalSubject(original), now, newMessageID(domain))
	h.add("Auto-Submitted", "auto-replied")
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h.add("Content-Type", fmt.Sprintf("multipart/report; report-type=delivery-status; boundary=%q", mw.Boundary()))

	var human strings.Builder
	for _, want := range []string{"failed", "delivered"} {
		first := true
		for _, e := range entries {
			if e.action != want {
				continue
			}
			if first {
				if want == "failed" {
					human.WriteString("Votre message n'a pas pu être remis aux destinataires suivants :\n\n")
				} else {
					human.WriteString("Votre message a été remis aux destinataires suivants :\n\n")
				}
				first = false
			}
			fmt.Fprintf(&human, "  %s : %s\n", e.rcpt, e.diag)
		}
		if !first {
			human.WriteString("\n")
		}
	}
	writeTextPart(mw, human.String())

	tp := textproto.MIMEHeader{}
	tp.Set("Content-Type", "message/delivery-status")
	w, _ := mw.CreatePart(tp)
	if envID != "" {
		fmt.Fprintf(w, "Original-Envelope-Id: %s\r\n", envID)
	}
	fmt.Fprintf(w, "Reporting-MTA: dns; smtp.%s\r\nArrival-Date: %s\r\n", domain, now.Format(time.RFC1123Z))
	for _, e := range entries {
		_, _ = w.Write([]byte("\r\n"))
		if e.orcpt != "" {
			fmt.Fprintf(w, "Original-Recipient: rfc822; %s\r\n", e.orcpt)
		}
		fmt.Fprintf(w, "Final-Recipient: rfc822; %s\r\nAction: %s\r\nStatus: %s\r\nDiagnostic-Code: %s\r\n",
			e.rcpt, e.action, e.status, e.diag)
	}

	tp = textproto.MIMEHeader{}
	tp.Set("Content-Type", "text/rfc822-headers")
	w, _ = mw.CreatePart(tp)
	_, _ = w.Write(headerBytes(original))
	_ = mw.Close()

	var b bytes.Buffer
	h.write(&b)
	b.WriteString("\r\n")
	b.Write(body.Bytes())
	return b.Bytes()
}

// headerBytes returns the header block of a raw message (up to the blank line).
func headerBytes(raw []byte) []byte {
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		return raw[:i+2]
	}
	if i := bytes.Index(raw, []byte("\n\n")); i >= 0 {
		return raw[:i+1]
	}
	return raw
}

func originalSubject(raw []byte) string {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return ""
	}
	return new(mimeDecoder).decode(m.Header.Get("Subject"))
}

// Helpers for demos and tests.

// RegisterPatient makes a patient known to the simulated Mon Espace Santé.
func (s *Server) RegisterPatient(ins, name string) error {
	ins = strings.ToUpper(ins)
	if !validINS(ins) {
		return ErrInvalidINS
	}
	return s.reg.addPatient(patientRecord{INS: ins, Name: name})
}

// DeliverFromPatient simulates a message written in Mon Espace Santé by patient ins to the
// BAL to (an active ORG or PER BAL). Unknown patients are registered under a generic name.
// It returns the Message-ID.
func (s *Server) DeliverFromPatient(ins, to, subject, text string, attachments []Attachment) (string, error) {
	return s.deliverFromPatientAt(ins, to, subject, text, attachments, s.opts.Now(), nil)
}

func (s *Server) deliverFromPatientAt(ins, to, subject, text string, attachments []Attachment, date time.Time, extra *header) (string, error) {
	ins = strings.ToUpper(ins)
	if !validINS(ins) {
		return "", ErrInvalidINS
	}
	if _, ok := s.reg.patient(ins); !ok {
		if err := s.reg.addPatient(patientRecord{INS: ins, Name: "Patient " + ins}); err != nil {
			return "", err
		}
	}
	p, _ := s.reg.patient(ins)
	b := s.reg.bal(to)
	if b == nil || !b.active(s.opts.Now()) {
		return "", fmt.Errorf("%w: %s", ErrUnknownBAL, to)
	}
	from := strings.ToLower(ins) + "@" + PatientDomain
	id := newMessageID(PatientDomain)
	h := baseHeader(p.Name, from, []string{b.Address}, subject, date, id)
	if extra != nil {
		for i, k := range extra.keys {
			h.add(k, extra.vals[i])
		}
	}
	raw := mailParts{text: text, attachments: attachments}.build(h)
	if err := s.appendTo(b.Address, "INBOX", s.stamp(from, PatientDomain, date, raw, patientVerdict(from)), date); err != nil {
		return "", err
	}
	return id, nil
}

// Messages returns the raw messages of an address's INBOX (a BAL or a patient's
// <INS>@patient.mssante.fr mailbox), oldest first, as they were stored.
func (s *Server) Messages(address string) ([][]byte, error) {
	return s.FolderMessages(address, "INBOX")
}

// FolderMessages returns the raw messages of one folder of an address.
func (s *Server) FolderMessages(address, folder string) ([][]byte, error) {
	a := s.mail.account(address)
	if a == nil {
		return nil, fmt.Errorf("%w: %s", ErrNoSuchMailbox, address)
	}
	mb, err := a.box(folder)
	if err != nil {
		return nil, fmt.Errorf("%w: %s/%s", ErrNoSuchMailbox, address, folder)
	}
	raws := mb.raws()
	for i, r := range raws {
		raws[i] = bytes.Clone(r)
	}
	return raws, nil
}
