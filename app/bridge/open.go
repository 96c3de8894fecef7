package bridge

import (
	"context"
	"fmt"
	"io"
	"slices"

	"comptoir/app"
	"comptoir/app/session"
	"comptoir/mail/msg"
	"comptoir/store"
)

// Open reads a message from the cache for the reader, in one walk streamed from the cache:
// each attachment is sniffed on the way (app.SniffPart) and left there, its Source reading
// it back from where the walk found it, decrypting and decoding only that part. early, when
// set, is given the message as read so far once it has more than app.ManyParts attachments.
func (s *Session) Open(ctx context.Context, ref app.Ref, early func(*app.Message)) (*app.Message, error) {
	sniffs := map[int]app.Sniff{}
	var body *store.BodyFile
	var env store.Envelope
	o := msg.StreamOptions{Inspect: func(a msg.AttachmentInfo, r io.Reader) { sniffs[a.Index] = app.SniffPart(r) }}
	if early != nil {
		o.Progress = func(p *msg.Parsed) {
			if early != nil && len(p.Attachments) > app.ManyParts && body != nil {
				m := s.message(env, p, body, sniffs)
				if len(m.Parts) > app.ManyParts {
					early(m)
					early = nil
				}
			}
		}
	}
	env, p, body, err := s.s.ParsedStream(ctx, storeRef(ref), o, func(e store.Envelope, b *store.BodyFile) { env, body = e, b })
	if err != nil {
		return nil, locked(err)
	}
	m := s.message(env, p, body, sniffs)
	if p.XDM != nil {
		m.Documents, m.Signatures = documents(p.XDM)
	}
	m.DocumentsError, m.Defects = p.DocumentsError(), len(p.Defects)
	m.AskMDN = p.MDNRequest != nil && !slices.Contains(env.Flags, session.FlagMDNSent)
	m.ReportLabel = reportLabel(p.Report)
	return m, nil
}

// message is what the walk p has read of the message so far: headers, text, attachments.
func (s *Session) message(env store.Envelope, p *msg.Parsed, body *store.BodyFile, sniffs map[int]app.Sniff) *app.Message {
	m := &app.Message{Envelope: s.withHandled(envelope(env)), Text: p.Body}
	m.To, m.Cc, m.From = appAddrs(p.To), appAddrs(p.Cc), app.Address(p.From)
	if p.Patient != nil {
		// The parsed message says what the identifier is: an INS only with an INS OID (or a
		// patient address) and a valid key, else « identifiant local ».
		pt := appPatient(p.Patient)
		if pt.Name == "" && m.Patient != nil {
			pt.Name = m.Patient.Name
		}
		m.Patient = &pt
	}
	for i, a := range p.Attachments {
		if i == p.XDMIndex && p.XDM != nil && !p.XDM.Damaged() {
			continue // shown as the patient's documents; a damaged archive stays to be saved
		}
		m.Parts = append(m.Parts, app.Part{
			Attachment: app.Attachment{Name: a.Name, ContentType: a.ContentType, Size: a.Size},
			Source:     partSource{body: body, offset: a.Offset, size: a.RawSize, encoding: a.Encoding},
			Sniff:      sniffs[a.Index],
		})
	}
	return m
}

// partSource is one attachment where the walk found it in the cached body: size bytes from
// offset, transfer-encoded.
type partSource struct {
	body         *store.BodyFile
	offset, size int64
	encoding     string
}

// Open streams the part's decoded content; the body rewritten since the walk fails it
// (store.ErrBodyChanged).
func (p partSource) Open(ctx context.Context) (io.ReadCloser, error) {
	r, err := p.body.Section(ctx, p.offset, p.size)
	if err != nil {
		return nil, fmt.Errorf("bridge: part: %w", err)
	}
	return struct {
		io.Reader
		io.Closer
	}{msg.DecodeBody(p.encoding, r), r}, nil
}
