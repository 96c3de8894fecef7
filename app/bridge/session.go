package bridge

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"comptoir/app"
	"comptoir/app/session"
	"comptoir/mail"
	"comptoir/mail/msg"
	"comptoir/mail/patient"
	"comptoir/mail/xdm"
	"comptoir/store"
)

// Session implements app.Session over a session.Session.
type Session struct{ s *session.Session }

// Core is the session core behind the adapter (demo wiring, tests).
func (s *Session) Core() *session.Session { return s.s }

// Holder describes the card holder.
func (s *Session) Holder() app.Holder {
	id := s.s.Identity()
	h := app.Holder{GivenName: id.GivenName, Surname: id.Surname, Profession: id.Profession,
		NationalID: id.NationalID, IDType: id.IDType, Situation: id.Situation}
	_, h.PSC = s.s.PSC()
	for _, sit := range id.Situations {
		line := sit.StructureName
		if sit.FINESS != "" {
			line += " — FINESS " + sit.FINESS
		}
		h.Situations = append(h.Situations, line)
	}
	return h
}

// SetSituation chooses the practice situation the holder works in.
func (s *Session) SetSituation(i int) { s.s.SetSituation(i) }

// BALs lists the session's BALs with their state.
func (s *Session) BALs() []app.BAL {
	bs := s.s.BALs()
	out := make([]app.BAL, len(bs))
	for i, b := range bs {
		out[i] = appBAL(b)
	}
	return out
}

func appBAL(b session.BAL) app.BAL {
	out := app.BAL{Address: b.Address, Kind: b.Kind, DisplayName: b.DisplayName, Role: b.Role, ActiveAt: b.ActiveAt}
	switch {
	case b.Status == session.StatusPending:
		out.State = app.BALPending
	case b.Status == session.StatusRetired:
		out.State = app.BALRetired
	case b.NeedsCertificate:
		out.State = app.BALNeedsCertificate
	}
	return out
}

// Events is the engine's event stream, untouched.
func (s *Session) Events() <-chan mail.Event { return s.s.Events() }

// Removed is closed when the card is pulled, or when Pro Santé Connect ends the session.
func (s *Session) Removed() <-chan struct{} { return s.s.Removed() }

// EndReason is app.ErrPSCEnded once Pro Santé Connect refused the refresh (app.SessionEnder).
func (s *Session) EndReason() error {
	if err := s.s.EndErr(); err != nil {
		return errors.Join(app.ErrPSCEnded, err)
	}
	return nil
}

// Close locks the session; the teardown finishes in the background (Done).
func (s *Session) Close() error {
	s.s.Lock()
	return nil
}

// Done is closed once the session released everything.
func (s *Session) Done() <-chan struct{} { return s.s.Done() }

// Folders lists a BAL's folders with their counts.
func (s *Session) Folders(bal string) ([]app.Folder, error) {
	st := s.s.Store()
	fs, err := st.Folders(bal)
	if err != nil {
		return nil, fmt.Errorf("bridge: folders: %w", locked(err))
	}
	out := make([]app.Folder, 0, len(fs))
	for _, f := range fs {
		if f.Name == session.JournalFolder {
			continue // the « traité » journal is read by the session, not by people
		}
		total, unread, _ := st.Counts(bal, f.Name)
		out = append(out, app.Folder{Name: f.Name, SpecialUse: f.SpecialUse, Total: total, Unread: unread})
	}
	if len(out) == 0 {
		// Before the first sync: an empty inbox rather than nothing.
		out = append(out, app.Folder{Name: "INBOX"})
	}
	return out, nil
}

// Counts are a folder's total and unread messages.
func (s *Session) Counts(bal, folder string) (int, int, error) {
	total, unread, err := s.s.Store().Counts(bal, folder)
	return total, unread, locked(err)
}

// Page lists a folder's messages, newest first.
func (s *Session) Page(bal, folder string, offset, limit int) ([]app.Envelope, error) {
	es, err := s.s.Store().Page(bal, folder, offset, limit)
	if err != nil {
		return nil, fmt.Errorf("bridge: page: %w", locked(err))
	}
	return s.envelopes(es), nil
}

// Search finds messages of a BAL.
func (s *Session) Search(bal, text string) ([]app.Envelope, error) {
	es, err := s.s.Store().Search(store.Query{Text: text, BAL: bal})
	if err != nil {
		return nil, fmt.Errorf("bridge: search: %w", locked(err))
	}
	return s.envelopes(es), nil
}

// envelopes are the list's rows, with who marked them « traité » and when.
func (s *Session) envelopes(es []store.Envelope) []app.Envelope {
	out := make([]app.Envelope, len(es))
	for i, e := range es {
		out[i] = s.withHandled(envelope(e))
	}
	return out
}

func (s *Session) withHandled(e app.Envelope) app.Envelope {
	if !e.Handled {
		return e
	}
	if h, ok := s.s.HandledBy(e.BAL, e.MessageID); ok && h.On {
		e.HandledBy, e.HandledAt = h.By, h.At
	}
	return e
}

func hasFlag(flags []string, f string) bool {
	return slices.ContainsFunc(flags, func(x string) bool { return strings.EqualFold(x, f) })
}

func envelope(e store.Envelope) app.Envelope {
	a := app.Envelope{
		Ref:          appRef(e.Ref),
		MessageID:    e.MessageID,
		Date:         e.Date,
		From:         app.Address(e.From),
		To:           addrs(e.To),
		Cc:           addrs(e.Cc),
		Subject:      e.Subject,
		Seen:         slices.Contains(e.Flags, `\Seen`),
		Answered:     slices.Contains(e.Flags, `\Answered`),
		Forwarded:    hasFlag(e.Flags, session.FlagForwarded),
		Handled:      hasFlag(e.Flags, session.FlagHandled),
		Kind:         e.Kind,
		MDNRequested: e.MDNRequested && !slices.Contains(e.Flags, session.FlagMDNSent),
		Preview:      e.Preview,
	}
	for _, at := range e.Attachments {
		a.Attachments = append(a.Attachments, app.Attachment(at))
	}
	if e.Patient != nil {
		a.Patient = listPatient(e.Patient)
	}
	return a
}

func appRef(r store.Ref) app.Ref        { return app.Ref{BAL: r.BAL, Folder: r.Folder, UID: r.UID} }
func storeRef(r app.Ref) store.Ref      { return store.Ref{BAL: r.BAL, Folder: r.Folder, UID: r.UID} }
func fromMsg(a msg.Address) app.Address { return app.Address(a) }

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

// listPatient is the patient of a list row: the cache keeps the INS of a patient's address
// or of an XDM package; one whose key does not check is shown as a local identifier.
func listPatient(p *store.PatientRef) *app.Patient {
	out := &app.Patient{Name: p.Name}
	if p.INS == "" {
		return out
	}
	out.ID = p.INS
	if ins, err := patient.ParseINS(p.INS); err == nil {
		out.INS, out.IDLabel = string(ins), xdm.Patient{ID: string(ins), OID: xdm.OIDINSNIR}.Label()
	} else {
		out.IDLabel = xdm.Patient{ID: p.INS}.Label()
	}
	return out
}

func appPatient(p *msg.PatientRef) app.Patient {
	out := app.Patient{INS: p.INS, Name: p.Name, ID: p.ID}
	if p.ID != "" {
		out.IDLabel = p.IDLabel()
	}
	return out
}

// documents lists an XDM package's documents, a CDA's embedded PDF in place of the CDA, and
// its signature entries apart.
func documents(pkg *xdm.Package) (docs, sigs []app.Document) {
	for i := range pkg.Documents {
		docs = append(docs, document(&pkg.Documents[i]))
	}
	for i := range pkg.Signatures {
		sigs = append(sigs, document(&pkg.Signatures[i]))
	}
	return docs, sigs
}

func document(d *xdm.Document) app.Document {
	kind := d.Detect()
	doc := app.Document{Title: d.Title, ContentType: d.MimeType, Date: d.ServiceStart, Data: d.Data,
		FileName: d.FileName(), Kind: kind, Problem: d.Problem(), Damaged: d.Damage != nil}
	if doc.Date.IsZero() {
		doc.Date = d.CreationTime
	}
	switch {
	case kind == xdm.KindCDA && d.PDF != nil:
		doc.ContentType, doc.Data = "application/pdf", d.PDF
		doc.FileName = strings.TrimSuffix(doc.FileName, path.Ext(doc.FileName)) + ".pdf"
	case kind == xdm.KindPDF:
		doc.ContentType = "application/pdf"
	case kind == xdm.KindDICOM:
		doc.ContentType = "application/dicom"
	}
	if doc.Title == "" {
		doc.Title = doc.FileName
	}
	doc.Sniff = app.SniffPart(bytes.NewReader(doc.Data)) // here, off the UI goroutine
	return doc
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

// MarkRead marks a message read.
func (s *Session) MarkRead(ref app.Ref) error { return locked(s.s.MarkRead(storeRef(ref))) }

// SendMDN queues the read receipt.
func (s *Session) SendMDN(ref app.Ref) error { return locked(s.s.SendMDN(storeRef(ref))) }

// ReplyDraft prepares a reply with the threading headers.
func (s *Session) ReplyDraft(ref app.Ref, all bool) (app.Draft, error) {
	d, err := s.s.ReplyDraft(storeRef(ref), all)
	out := draftOf(d)
	out.Answers = &ref
	return out, locked(err)
}

// ForwardDraft prepares a forward with the attachments.
func (s *Session) ForwardDraft(ref app.Ref) (app.Draft, error) {
	d, err := s.s.ForwardDraft(storeRef(ref))
	out := draftOf(d)
	out.Forwards = &ref
	return out, locked(err)
}

func draftOf(m msg.Draft) app.Draft {
	d := app.Draft{From: fromMsg(m.From), To: appAddrs(m.To), Cc: appAddrs(m.Cc), Subject: m.Subject, Text: m.Text,
		InReplyTo: m.InReplyTo, References: m.References, RequestDSN: m.RequestDSN, RequestMDN: m.RequestMDN,
		NoReplyExpected: m.NoReplyExpected, Documents: m.Documents, Patient: m.Patient}
	for _, a := range m.Attachments {
		d.Parts = append(d.Parts, app.Part{Attachment: app.Attachment{Name: a.Name, ContentType: a.ContentType, Size: int64(len(a.Data))}, Data: a.Data})
	}
	return d
}

func msgDraft(d app.Draft) msg.Draft {
	m := msg.Draft{From: msg.Address(d.From), To: msgAddrs(d.To), Cc: msgAddrs(d.Cc), Subject: d.Subject, Text: d.Text,
		InReplyTo: d.InReplyTo, References: d.References, RequestDSN: d.RequestDSN, RequestMDN: d.RequestMDN,
		NoReplyExpected: d.NoReplyExpected, Documents: d.Documents, Patient: d.Patient}
	for _, p := range d.Parts {
		m.Attachments = append(m.Attachments, msg.Attachment{Name: p.Name, ContentType: p.ContentType, Data: p.Data})
	}
	return m
}

// OutsideTrust returns the addresses outside the trust space.
func (s *Session) OutsideTrust(as []string) []string { return s.s.OutsideTrust(as) }

// Send queues the message durably (the engine submits it when online), then forgets the
// draft it came from and flags the message it answers or forwards.
func (s *Session) Send(ctx context.Context, d app.Draft) (string, error) {
	id, err := s.s.Send(ctx, msgDraft(d))
	if err != nil {
		return "", locked(err)
	}
	s.s.AfterSend(d.From.Email, d.DraftID, originOf(d))
	return id, nil
}

// SaveDraft keeps the draft in the (encrypted) cache, under its DraftID.
func (s *Session) SaveDraft(d app.Draft) error {
	return locked(s.s.SaveDraft(d.DraftID, msgDraft(d), originOf(d)))
}

// Draft returns the newest draft saved for bal, if any (app.DraftStore).
func (s *Session) Draft(bal string) (app.Draft, bool) {
	d, ok := s.s.Draft(bal)
	return savedDraft(d), ok
}

// Drafts lists the drafts saved for bal, newest first (app.DraftList).
func (s *Session) Drafts(bal string) []app.Draft {
	list := s.s.Drafts(bal)
	out := make([]app.Draft, len(list))
	for i, d := range list {
		out[i] = savedDraft(d)
	}
	return out
}

// DeleteDraft forgets a saved draft (app.DraftList).
func (s *Session) DeleteDraft(bal, id string) error { return s.s.DeleteDraft(bal, id) }

func savedDraft(sd session.SavedDraft) app.Draft {
	d := draftOf(sd.Draft)
	d.DraftID = sd.ID
	if o := sd.Origin; o != nil {
		r := appRef(o.Ref)
		if o.Forward {
			d.Forwards = &r
		} else {
			d.Answers = &r
		}
	}
	return d
}

func originOf(d app.Draft) *session.Origin {
	switch {
	case d.Answers != nil:
		return &session.Origin{Ref: storeRef(*d.Answers)}
	case d.Forwards != nil:
		return &session.Origin{Ref: storeRef(*d.Forwards), Forward: true}
	}
	return nil
}

// OutboxCount is the number of messages not yet acknowledged.
func (s *Session) OutboxCount() int { return s.s.OutboxCount() }

// SyncNow asks for a full pass over bal.
func (s *Session) SyncNow(bal string) { s.s.SyncNow(bal) }

// Correspondents suggests addresses seen in the recent mail of every BAL.
func (s *Session) Correspondents(prefix string, limit int) []app.Address {
	return addrs(s.s.Correspondents(prefix, limit))
}

var (
	_ app.Session        = (*Session)(nil)
	_ app.DraftStore     = (*Session)(nil)
	_ app.DraftList      = (*Session)(nil)
	_ app.SharedMailbox  = (*Session)(nil)
	_ app.Outbox         = (*Session)(nil)
	_ app.EnvelopeReader = (*Session)(nil)
	_ app.Deleter        = (*Session)(nil)
)
