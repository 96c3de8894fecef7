package mail

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"comptoir/mail/msg"
	"comptoir/store"

	"github.com/emersion/go-imap/v2"
)

const (
	patientDomain = "patient.mssante.fr"
	maxIndexText  = 64 << 10 // body text kept for search
	previewLen    = 160
)

// envelopeFromRaw builds the store envelope of a fetched message from its raw RFC 5322
// text with msg.Parse: headers, body text (preview and search), attachments, patient,
// report kind. It never fails: a broken message keeps what could be read. XDM documents are
// not decoded here (msg.ParseEnvelope): the reader does it when the message is opened.
func envelopeFromRaw(ref store.Ref, raw []byte) store.Envelope {
	env := store.Envelope{Ref: ref, Size: int64(len(raw))}
	p, err := msg.ParseEnvelope(raw)
	if p == nil {
		_ = err
		return env
	}
	env.MessageID, env.InReplyTo, env.References = p.MessageID, p.InReplyTo, p.References
	env.Date, env.Subject = p.Date, p.Subject
	env.From = store.Address{Name: p.From.Name, Email: p.From.Email}
	for _, a := range p.To {
		env.To = append(env.To, store.Address{Name: a.Name, Email: a.Email})
	}
	for _, a := range p.Cc {
		env.Cc = append(env.Cc, store.Address{Name: a.Name, Email: a.Email})
	}
	for _, a := range p.Attachments {
		if !a.Inline {
			env.Attachments = append(env.Attachments, store.Attachment{Name: a.Name, ContentType: a.ContentType, Size: a.Size})
		}
	}
	if p.Patient != nil {
		env.Patient = &store.PatientRef{INS: p.Patient.INS, Name: p.Patient.Name}
	}
	env.Kind = p.Kind()
	env.MDNRequested = p.MDNRequest != nil
	env.Confidential = p.Confidential
	text := p.Body
	if len(text) > maxIndexText {
		text = strings.ToValidUTF8(text[:maxIndexText], "")
	}
	env.Text = text
	env.Preview = preview(text)
	return env
}

// envelopeFromIMAP builds the envelope of a message whose body is not fetched, from the
// server's ENVELOPE and BODYSTRUCTURE.
func envelopeFromIMAP(ref store.Ref, e *imap.Envelope, bs imap.BodyStructure, size int64) store.Envelope {
	env := store.Envelope{Ref: ref, Size: size}
	if e != nil {
		env.Date, env.Subject, env.MessageID = e.Date, e.Subject, e.MessageID
		if len(e.InReplyTo) > 0 {
			env.InReplyTo = e.InReplyTo[0]
		}
		if len(e.From) > 0 {
			env.From = imapAddr(e.From[0])
		}
		for _, a := range e.To {
			env.To = append(env.To, imapAddr(a))
		}
		for _, a := range e.Cc {
			env.Cc = append(env.Cc, imapAddr(a))
		}
	}
	if bs != nil {
		if strings.EqualFold(bs.MediaType(), "multipart/report") {
			if mp, ok := bs.(*imap.BodyStructureMultiPart); ok && mp.Extended != nil {
				switch strings.ToLower(mp.Extended.Params["report-type"]) {
				case "delivery-status":
					env.Kind = "dsn"
				case "disposition-notification":
					env.Kind = "mdn"
				}
			}
		}
		bs.Walk(func(path []int, part imap.BodyStructure) bool {
			sp, ok := part.(*imap.BodyStructureSinglePart)
			if !ok {
				return true
			}
			if name := sp.Filename(); name != "" || (sp.Disposition() != nil && strings.EqualFold(sp.Disposition().Value, "attachment")) {
				size := int64(sp.Size)
				if strings.EqualFold(sp.Encoding, "base64") {
					size = size * 3 / 4
				}
				env.Attachments = append(env.Attachments, store.Attachment{Name: name, ContentType: strings.ToLower(sp.MediaType()), Size: size})
			}
			return true
		})
	}
	classify(&env)
	return env
}

func imapAddr(a imap.Address) store.Address {
	return store.Address{Name: a.Name, Email: a.Addr()}
}

// classify marks patient and XDM messages (MSSanté rules: patients write from
// <INS>@patient.mssante.fr; documents travel in IHE_XDM.ZIP).
func classify(env *store.Envelope) {
	if at := strings.LastIndexByte(env.From.Email, '@'); at > 0 && strings.EqualFold(env.From.Email[at+1:], patientDomain) {
		env.Patient = &store.PatientRef{INS: env.From.Email[:at], Name: env.From.Name}
		if env.Kind == "" {
			env.Kind = "patient"
		}
	}
	for _, a := range env.Attachments {
		if strings.EqualFold(a.Name, "IHE_XDM.ZIP") && env.Kind == "" {
			env.Kind = "xdm"
		}
	}
}

func preview(text string) string {
	// Only the start matters: a few characters per displayed one leave room for spaces.
	if len(text) > previewLen*8 {
		text = text[:previewLen*8]
	}
	t := strings.ToValidUTF8(strings.Join(strings.Fields(text), " "), "")
	if utf8.RuneCountInString(t) <= previewLen {
		return t
	}
	r := []rune(t)
	return string(r[:previewLen]) + "…"
}

// describeUIDs summarises a UID list for the audit journal ("12 messages, UID 40:57").
func describeUIDs(uids []uint32) string {
	if len(uids) == 0 {
		return "0 messages"
	}
	return fmt.Sprintf("%d messages, UID %d:%d", len(uids), uids[0], uids[len(uids)-1])
}
