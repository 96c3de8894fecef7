package wire

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"comptoir/app"
	"comptoir/cps"
	"comptoir/mail"
	"comptoir/mail/msg"
	"comptoir/mail/xdm"
	"comptoir/store"
)

// maxPart bounds an attachment read into memory for the reader (Mon Espace Santé: 25 MB).
const maxPart = 64 << 20

// flagMDNSent marks a message whose read receipt was sent (the usual IMAP keyword).
const flagMDNSent = "$MDNSent"

// Session implements app.Session for one logged-in card.
type Session struct {
	card   *cps.Card
	st     *store.Store
	eng    *mail.Engine
	bals   []store.BAL
	o      Options
	events chan app.Event
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	mu       sync.Mutex
	contacts []app.Address // known correspondents, built on first use
	closed   bool
}

func newSession(card *cps.Card, st *store.Store, eng *mail.Engine, bals []store.BAL, o Options) *Session {
	ctx, cancel := context.WithCancel(context.Background())
	return &Session{card: card, st: st, eng: eng, bals: bals, o: o, events: make(chan app.Event, 256),
		ctx: ctx, cancel: cancel, done: make(chan struct{})}
}

func (s *Session) start() {
	s.eng.Start(s.ctx)
	go s.relay()
}

// relay converts the engine's events; it ends when the engine closes its stream (Stop).
func (s *Session) relay() {
	defer close(s.done)
	defer close(s.events)
	for ev := range s.eng.Events() {
		var out app.Event
		switch e := ev.(type) {
		case mail.Online:
			out = app.Online{BAL: e.BAL}
		case mail.Offline:
			out = app.Offline{BAL: e.BAL, Err: e.Err}
		case mail.Progress:
			out = app.Progress{BAL: e.BAL, Folder: e.Folder, Done: e.Done, Total: e.Total}
		case mail.NewMail:
			s.forgetContacts()
			out = app.Changed{BAL: e.BAL, Folder: e.Folder}
		case mail.Changed:
			out = app.Changed{BAL: e.BAL, Folder: e.Folder}
		case mail.Synced:
			out = app.Changed{BAL: e.BAL}
		case mail.Sent:
			out = app.Sent{BAL: e.BAL, MessageID: e.MessageID}
		case mail.OutboxCount:
			out = app.OutboxCount{N: e.N}
		case mail.SendFailed:
			out = app.SendFailed{BAL: e.BAL, MessageID: e.MessageID, Err: e.Err}
		default:
			continue
		}
		select {
		case s.events <- out:
		case <-s.ctx.Done():
			// Closing: drain the engine so Stop can finish.
		}
	}
}

// Holder describes the card holder.
func (s *Session) Holder() app.Holder {
	id := s.card.Identity()
	h := app.Holder{GivenName: id.GivenName, Surname: id.Surname, Profession: id.Profession,
		NationalID: id.NationalID, IDType: id.IDType.String()}
	for _, sit := range s.card.Situations() {
		line := sit.StructureName
		if sit.FINESS != "" {
			line += " — FINESS " + sit.FINESS
		}
		h.Situations = append(h.Situations, line)
	}
	return h
}

// BALs lists the BALs this session opened.
func (s *Session) BALs() []app.BAL {
	out := make([]app.BAL, len(s.bals))
	for i, b := range s.bals {
		out[i] = app.BAL{Address: b.Address, Kind: b.Kind, DisplayName: b.DisplayName, Role: b.Role}
	}
	return out
}

// Events is the engine's event stream in the app's types.
func (s *Session) Events() <-chan app.Event { return s.events }

// Removed is closed when the card is pulled.
func (s *Session) Removed() <-chan struct{} { return s.card.Removed() }

// Card is the logged-in card (the demo wiring pulls it).
func (s *Session) Card() *cps.Card { return s.card }

// Close stops the engine, wipes the cache keys and logs the card out.
func (s *Session) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.eng.Stop()
	<-s.done
	s.st.Lock()
	err := s.st.Close()
	if cerr := s.card.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("wire: close session: %w", err)
	}
	return nil
}

// Folders lists a BAL's folders with their counts.
func (s *Session) Folders(bal string) ([]app.Folder, error) {
	fs, err := s.st.Folders(bal)
	if err != nil {
		return nil, fmt.Errorf("wire: folders: %w", err)
	}
	out := make([]app.Folder, 0, len(fs))
	for _, f := range fs {
		total, unread, _ := s.st.Counts(bal, f.Name)
		out = append(out, app.Folder{Name: f.Name, SpecialUse: f.SpecialUse, Total: total, Unread: unread})
	}
	if len(out) == 0 {
		// Before the first sync: an empty inbox rather than nothing.
		out = append(out, app.Folder{Name: "INBOX"})
	}
	return out, nil
}

// Counts returns a folder's total and unread counts.
func (s *Session) Counts(bal, folder string) (int, int, error) {
	t, u, err := s.st.Counts(bal, folder)
	if errors.Is(err, store.ErrNotFound) {
		return 0, 0, nil // not synchronised yet
	}
	if err != nil {
		return 0, 0, fmt.Errorf("wire: counts: %w", err)
	}
	return t, u, nil
}

// Page returns rows of a folder, newest first.
func (s *Session) Page(bal, folder string, offset, limit int) ([]app.Envelope, error) {
	es, err := s.st.Page(bal, folder, offset, limit)
	if err != nil {
		return nil, fmt.Errorf("wire: page: %w", err)
	}
	return envelopes(es), nil
}

// Search runs a full-text search over a BAL in the cache.
func (s *Session) Search(bal, text string) ([]app.Envelope, error) {
	es, err := s.st.Search(store.Query{Text: text, BAL: bal, Limit: 500})
	if err != nil {
		return nil, fmt.Errorf("wire: search: %w", err)
	}
	return envelopes(es), nil
}

func envelopes(es []store.Envelope) []app.Envelope {
	out := make([]app.Envelope, len(es))
	for i, e := range es {
		out[i] = envelope(e)
	}
	return out
}

func envelope(e store.Envelope) app.Envelope {
	a := app.Envelope{
		Ref:          app.Ref{BAL: e.BAL, Folder: e.Folder, UID: e.UID},
		MessageID:    e.MessageID,
		Date:         e.Date,
		From:         app.Address(e.From),
		To:           addrs(e.To),
		Cc:           addrs(e.Cc),
		Subject:      e.Subject,
		Seen:         slices.Contains(e.Flags, `\Seen`),
		Answered:     slices.Contains(e.Flags, `\Answered`),
		Kind:         e.Kind,
		MDNRequested: e.MDNRequested && !slices.Contains(e.Flags, flagMDNSent),
		Preview:      e.Preview,
	}
	for _, at := range e.Attachments {
		a.Attachments = append(a.Attachments, app.Attachment(at))
	}
	if e.Patient != nil {
		a.Patient = &app.Patient{INS: e.Patient.INS, Name: e.Patient.Name}
	}
	return a
}

func addrs(as []store.Address) []app.Address {
	out := make([]app.Address, len(as))
	for i, a := range as {
		out[i] = app.Address(a)
	}
	return out
}

func appAddrs(as []msg.Address) []app.Address {
	out := make([]app.Address, len(as))
	for i, a := range as {
		out[i] = app.Address(a)
	}
	return out
}

func msgAddrs(as []app.Address) []msg.Address {
	out := make([]msg.Address, len(as))
	for i, a := range as {
		out[i] = msg.Address(a)
	}
	return out
}

func (s *Session) parsed(ref app.Ref) (store.Envelope, *msg.Parsed, error) {
	sref := store.Ref{BAL: ref.BAL, Folder: ref.Folder, UID: ref.UID}
	env, err := s.st.Envelope(sref)
	if err != nil {
		return env, nil, fmt.Errorf("wire: envelope: %w", err)
	}
	raw, err := s.st.Body(sref)
	if err != nil {
		return env, nil, fmt.Errorf("wire: body: %w", err)
	}
	p, err := msg.Parse(raw)
	if err != nil {
		return env, nil, fmt.Errorf("wire: parse: %w", err)
	}
	return env, p, nil
}

// Open reads a message from the cache for the reader.
func (s *Session) Open(ref app.Ref) (*app.Message, error) {
	env, p, err := s.parsed(ref)
	if err != nil {
		return nil, err
	}
	m := &app.Message{Envelope: envelope(env), Text: p.Body}
	m.To, m.Cc, m.From = appAddrs(p.To), appAddrs(p.Cc), app.Address(p.From)
	if m.Patient == nil && p.Patient != nil && p.Patient.INS != "" {
		m.Patient = &app.Patient{INS: p.Patient.INS, Name: p.Patient.Name}
	}
	for i, a := range p.Attachments {
		if i == p.XDMIndex && p.XDM != nil {
			continue // shown as the patient's documents below
		}
		r, err := p.Open(i)
		if err != nil {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(r, maxPart))
		if err != nil {
			continue
		}
		m.Parts = append(m.Parts, app.Part{Attachment: app.Attachment{Name: a.Name, ContentType: a.ContentType, Size: int64(len(data))}, Data: data})
	}
	if p.XDM != nil {
		m.Documents = documents(p.XDM)
		if pt := p.XDM.Patient; m.Patient == nil && pt.ID != "" {
			m.Patient = &app.Patient{INS: pt.ID, Name: strings.TrimSpace(strings.ToUpper(pt.Family) + " " + pt.Given)}
		}
	}
	m.XDMError, m.Defects = p.XDMError, len(p.Defects)
	m.AskMDN = p.MDNRequest != nil && !slices.Contains(env.Flags, flagMDNSent)
	m.ReportLabel = reportLabel(p.Report)
	return m, nil
}

// documents lists an XDM package's documents, a CDA's embedded PDF in place of the CDA.
func documents(pkg *xdm.Package) []app.Document {
	var out []app.Document
	for _, d := range pkg.Documents {
		doc := app.Document{Title: d.Title, ContentType: d.MimeType, Date: d.ServiceStart, Data: d.Data}
		if doc.Date.IsZero() {
			doc.Date = d.CreationTime
		}
		if strings.Contains(d.MimeType, "xml") {
			if pdf, err := xdm.ExtractPDF(d.Data, maxPart); err == nil {
				doc.ContentType, doc.Data = "application/pdf", pdf
			}
		}
		if doc.Title == "" {
			doc.Title = d.URI
		}
		out = append(out, doc)
	}
	return out
}

// reportLabel says in French what a DSN or MDN reports.
func reportLabel(r *msg.Report) string {
	if r == nil {
		return ""
	}
	if r.Kind == "mdn" {
		return "Accusé de lecture : le message « " + r.OriginalSubject + " » a été lu."
	}
	var failed []string
	for _, rr := range r.Recipients {
		if rr.Action == "failed" {
			failed = append(failed, rr.Recipient)
		}
	}
	if len(failed) > 0 {
		return "Non distribué à " + strings.Join(failed, ", ") + " : « " + r.OriginalSubject + " »." + explainBounces(r)
	}
	return "Avis de distribution : « " + r.OriginalSubject + " »."
}

// MarkRead marks a message read (audited by the engine).
func (s *Session) MarkRead(ref app.Ref) error {
	return s.eng.MarkRead(store.Ref{BAL: ref.BAL, Folder: ref.Folder, UID: ref.UID})
}

// SendMDN queues the read receipt and remembers it was sent.
func (s *Session) SendMDN(ref app.Ref) error {
	sref := store.Ref{BAL: ref.BAL, Folder: ref.Folder, UID: ref.UID}
	if _, err := s.eng.SendMDN(sref, s.me(ref.BAL)); err != nil {
		return fmt.Errorf("wire: MDN: %w", err)
	}
	env, err := s.st.Envelope(sref)
	if err != nil {
		return fmt.Errorf("wire: MDN: %w", err)
	}
	return s.eng.SetFlags(sref, append(env.Flags, flagMDNSent))
}

// me is the From of messages sent from bal, with the ECO.2.2.7 display name.
func (s *Session) me(bal string) msg.Address {
	id := s.card.Identity()
	for _, b := range s.bals {
		if b.Address == bal {
			entity := b.DisplayName
			if b.Kind == app.KindPER {
				entity = ""
				if sits := s.card.Situations(); len(sits) > 0 {
					entity = sits[0].StructureName
				}
			}
			return msg.Address{Name: msg.FromDisplayName(b.Kind, "", id.GivenName, id.Surname, entity), Email: bal}
		}
	}
	return msg.Address{Email: bal}
}

// ReplyDraft prepares a reply with the threading headers.
func (s *Session) ReplyDraft(ref app.Ref, all bool) (app.Draft, error) {
	_, p, err := s.parsed(ref)
	if err != nil {
		return app.Draft{}, err
	}
	d := draftOf(msg.Reply(p, all, ref.BAL))
	d.From = app.Address(s.me(ref.BAL))
	return d, nil
}

// ForwardDraft prepares a forward with the attachments.
func (s *Session) ForwardDraft(ref app.Ref) (app.Draft, error) {
	_, p, err := s.parsed(ref)
	if err != nil {
		return app.Draft{}, err
	}
	d := draftOf(msg.Forward(p))
	d.From = app.Address(s.me(ref.BAL))
	return d, nil
}

func draftOf(m msg.Draft) app.Draft {
	d := app.Draft{From: app.Address(m.From), To: appAddrs(m.To), Cc: appAddrs(m.Cc), Subject: m.Subject, Text: m.Text,
		InReplyTo: m.InReplyTo, References: m.References, RequestDSN: m.RequestDSN, RequestMDN: m.RequestMDN,
		NoReplyExpected: m.NoReplyExpected}
	for _, a := range m.Attachments {
		d.Parts = append(d.Parts, app.Part{Attachment: app.Attachment{Name: a.Name, ContentType: a.ContentType, Size: int64(len(a.Data))}, Data: a.Data})
	}
	return d
}

func (s *Session) msgDraft(d app.Draft) msg.Draft {
	from := s.me(d.From.Email)
	m := msg.Draft{From: from, To: msgAddrs(d.To), Cc: msgAddrs(d.Cc), Subject: d.Subject, Text: d.Text,
		InReplyTo: d.InReplyTo, References: d.References, RequestDSN: d.RequestDSN, RequestMDN: d.RequestMDN,
		NoReplyExpected: d.NoReplyExpected}
	for _, p := range d.Parts {
		m.Attachments = append(m.Attachments, msg.Attachment{Name: p.Name, ContentType: p.ContentType, Data: p.Data})
	}
	return m
}

// OutsideTrust returns the addresses outside the trust space.
func (s *Session) OutsideTrust(as []string) []string {
	if s.o.Trust == nil {
		return nil
	}
	return s.o.Trust.OutsideTrust(as)
}

// Send queues the message durably; the engine submits it when online.
func (s *Session) Send(ctx context.Context, d app.Draft) (string, error) {
	id, err := s.eng.Send(ctx, s.msgDraft(d))
	if err != nil {
		return "", fmt.Errorf("wire: send: %w", err)
	}
	// The message left: its draft (if it was one) is done with.
	if err := s.st.SetSetting("draft:"+d.From.Email, nil); err != nil {
		s.o.Logger.Warn("forget draft", "err", err)
	}
	return id, nil
}

// SaveDraft keeps the draft in the (encrypted) cache, one per BAL.
func (s *Session) SaveDraft(d app.Draft) error {
	raw, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("wire: draft: %w", err)
	}
	if err := s.st.SetSetting("draft:"+d.From.Email, raw); err != nil {
		return fmt.Errorf("wire: draft: %w", err)
	}
	return nil
}

// Draft returns the draft saved for bal, if any (app.DraftStore).
func (s *Session) Draft(bal string) (app.Draft, bool) {
	raw, err := s.st.Setting("draft:" + bal)
	if err != nil || len(raw) == 0 {
		return app.Draft{}, false
	}
	var d app.Draft
	if json.Unmarshal(raw, &d) != nil {
		return app.Draft{}, false
	}
	empty := len(d.To)+len(d.Cc)+len(d.Parts) == 0 && strings.TrimSpace(d.Subject+d.Text) == ""
	return d, !empty
}

// OutboxCount is the number of messages not yet acknowledged.
func (s *Session) OutboxCount() int {
	items, err := s.st.Outbox()
	if err != nil {
		return 0
	}
	return len(items)
}

// SyncNow asks for a full pass over bal.
func (s *Session) SyncNow(bal string) { s.eng.SyncNow(bal) }

func (s *Session) forgetContacts() {
	s.mu.Lock()
	s.contacts = nil
	s.mu.Unlock()
}

// Correspondents suggests addresses seen in the recent mail of every BAL.
func (s *Session) Correspondents(prefix string, limit int) []app.Address {
	s.mu.Lock()
	if s.contacts == nil {
		s.contacts = s.loadContacts()
	}
	all := s.contacts
	s.mu.Unlock()
	q := store.Fold(strings.TrimSpace(prefix))
	var out []app.Address
	for _, a := range all {
		if strings.Contains(store.Fold(a.Name), q) || strings.HasPrefix(strings.ToLower(a.Email), strings.ToLower(q)) {
			out = append(out, a)
			if len(out) == limit {
				break
			}
		}
	}
	return out
}

func (s *Session) loadContacts() []app.Address {
	seen := map[string]bool{}
	mine := map[string]bool{}
	for _, b := range s.bals {
		mine[strings.ToLower(b.Address)] = true
	}
	out := []app.Address{}
	add := func(a store.Address) {
		k := strings.ToLower(a.Email)
		if k == "" || seen[k] || mine[k] {
			return
		}
		seen[k] = true
		out = append(out, app.Address(a))
	}
	for _, b := range s.bals {
		fs, _ := s.st.Folders(b.Address)
		for _, f := range fs {
			page, err := s.st.Page(b.Address, f.Name, 0, 300)
			if err != nil {
				continue
			}
			for _, e := range page {
				add(e.From)
				for _, a := range e.To {
					add(a)
				}
				for _, a := range e.Cc {
					add(a)
				}
			}
		}
	}
	return out
}

var _ app.Session = (*Session)(nil)
