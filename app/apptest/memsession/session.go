// Package memsession is an in-memory app.Session for screen tests: a card holder, BALs,
// folders and messages held in maps, no card, no cache, no operator. Screen tests built on it
// run in milliseconds, calculator-style: tap the named widgets, assert what is displayed. The
// session emits mail.Event values on demand (Emit), so a test plays the engine's part.
//
// It implements app.Session, app.PatientBook, app.DraftStore, app.SituationChooser and
// app.Deleter; Cards logs it in, Provisioning opens the BAL wizard and roles screens on it.
// Like net/http/httptest it is test support: the application never uses it. The end-to-end
// layer stays app/demo (SoftHSM cards, the sandbox operator).
package memsession

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"comptoir/app"
	"comptoir/app/indicator"
	"comptoir/mail"
	"comptoir/mail/patient"
)

// Session is an in-memory logged-in card. Safe for concurrent use.
type Session struct {
	mu          sync.Mutex
	holder      app.Holder
	bals        []app.BAL
	folders     map[string][]app.Folder // by BAL: names and special use (counts computed)
	msgs        map[string][]*app.Message
	nextUID     uint32
	events      chan mail.Event
	removed     chan struct{}
	pulled      bool
	closed      bool
	drafts      map[string]app.Draft
	sent        []app.Draft
	deleted     []app.Ref
	syncs       []string
	mdns        []app.Ref
	patients    []patient.Patient
	templates   []patient.Template
	dispensings indicator.Dispensings
	trusted     []string // domains of the trust space
}

// New returns a session of holder with no BAL.
func New(holder app.Holder) *Session {
	return &Session{
		holder:      holder,
		folders:     map[string][]app.Folder{},
		msgs:        map[string][]*app.Message{},
		events:      make(chan mail.Event, 1024),
		removed:     make(chan struct{}),
		drafts:      map[string]app.Draft{},
		dispensings: indicator.Dispensings{},
		trusted:     []string{"mssante.fr", "mssante.test"},
	}
}

// AddBAL adds a BAL with an inbox, drafts, sent and trash folders.
func (s *Session) AddBAL(b app.BAL) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bals = append(s.bals, b)
	s.folders[b.Address] = []app.Folder{{Name: "INBOX"}, {Name: "Drafts", SpecialUse: `\Drafts`},
		{Name: "Sent", SpecialUse: `\Sent`}, {Name: "Trash", SpecialUse: `\Trash`}}
}

// SetBALState changes a BAL's state (a pending BAL activated, one retired).
func (s *Session) SetBALState(addr string, st app.BALState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.bals {
		if s.bals[i].Address == addr {
			s.bals[i].State = st
		}
	}
}

// Add stores m in folder of bal, gives it a UID and returns its reference. The message's
// Envelope.Ref is set; everything else is shown as given.
func (s *Session) Add(bal, folder string, m app.Message) app.Ref {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextUID++
	m.Ref = app.Ref{BAL: bal, Folder: folder, UID: s.nextUID}
	s.msgs[key(bal, folder)] = append(s.msgs[key(bal, folder)], &m)
	return m.Ref
}

// Emit hands ev to the UI as the engine would (in order, never dropped).
func (s *Session) Emit(ev mail.Event) { s.events <- ev }

// Pull stands for the card pulled out: Removed is closed.
func (s *Session) Pull() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.pulled {
		s.pulled = true
		close(s.removed)
	}
}

// Sent lists the drafts handed to Send, in order.
func (s *Session) Sent() []app.Draft {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sent)
}

// Deleted lists the messages deleted, in order.
func (s *Session) Deleted() []app.Ref {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.deleted)
}

// SyncRequests lists the BALs SyncNow was asked for, in order.
func (s *Session) SyncRequests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.syncs)
}

// Situation is the practice situation chosen (SetSituation).
func (s *Session) Situation() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.holder.Situation
}

// Closed reports whether Close was called.
func (s *Session) Closed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func key(bal, folder string) string { return bal + "\x00" + folder }

// Holder is the card holder.
func (s *Session) Holder() app.Holder {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.holder
	h.Situations = slices.Clone(h.Situations)
	return h
}

// SetSituation chooses the practice situation (app.SituationChooser).
func (s *Session) SetSituation(i int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.holder.Situation = i
}

// BALs lists the BALs with their state.
func (s *Session) BALs() []app.BAL {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.bals)
}

// Events is the engine's stream: what Emit sends.
func (s *Session) Events() <-chan mail.Event { return s.events }

// Removed is closed by Pull.
func (s *Session) Removed() <-chan struct{} { return s.removed }

// Close ends the session; later calls fail.
func (s *Session) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

// errClosed is what a closed session answers, as the real one does.
var errClosed = fmt.Errorf("memsession: session closed")

func (s *Session) check() error {
	if s.closed {
		return errClosed
	}
	return nil
}

// Folders lists bal's folders with their counts.
func (s *Session) Folders(bal string) ([]app.Folder, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return nil, err
	}
	out := slices.Clone(s.folders[bal])
	for i := range out {
		out[i].Total, out[i].Unread = s.counts(bal, out[i].Name)
	}
	return out, nil
}

func (s *Session) counts(bal, folder string) (total, unread int) {
	for _, m := range s.msgs[key(bal, folder)] {
		total++
		if !m.Seen {
			unread++
		}
	}
	return total, unread
}

// Counts are a folder's total and unread messages.
func (s *Session) Counts(bal, folder string) (int, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return 0, 0, err
	}
	total, unread := s.counts(bal, folder)
	return total, unread, nil
}

// sorted is a folder's messages newest first (date, then UID), as the cache pages them.
func (s *Session) sorted(bal, folder string) []*app.Message {
	ms := slices.Clone(s.msgs[key(bal, folder)])
	sort.SliceStable(ms, func(i, j int) bool {
		if !ms[i].Date.Equal(ms[j].Date) {
			return ms[i].Date.After(ms[j].Date)
		}
		return ms[i].UID > ms[j].UID
	})
	return ms
}

// Page lists a folder's envelopes, newest first.
func (s *Session) Page(bal, folder string, offset, limit int) ([]app.Envelope, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return nil, err
	}
	ms := s.sorted(bal, folder)
	if limit <= 0 {
		limit = 50
	}
	var out []app.Envelope
	for i := offset; i < len(ms) && i < offset+limit; i++ {
		out = append(out, ms[i].Envelope)
	}
	return out, nil
}

// Search finds the messages of bal whose subject, sender, patient or text contain every word.
func (s *Session) Search(bal, text string) ([]app.Envelope, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return nil, err
	}
	words := strings.Fields(strings.ToLower(text))
	var out []app.Envelope
	for _, f := range s.folders[bal] {
		for _, m := range s.sorted(bal, f.Name) {
			hay := strings.ToLower(strings.Join([]string{m.Subject, m.From.Name, m.From.Email, m.Text, patientName(m)}, " "))
			all := true
			for _, w := range words {
				all = all && strings.Contains(hay, w)
			}
			if all {
				out = append(out, m.Envelope)
			}
		}
	}
	return out, nil
}

func patientName(m *app.Message) string {
	if m.Patient == nil {
		return ""
	}
	return m.Patient.Name
}

func (s *Session) find(ref app.Ref) (*app.Message, error) {
	for _, m := range s.msgs[key(ref.BAL, ref.Folder)] {
		if m.UID == ref.UID {
			return m, nil
		}
	}
	return nil, fmt.Errorf("memsession: message %v: not found", ref)
}

// Open returns a copy of the message.
func (s *Session) Open(ref app.Ref) (*app.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return nil, err
	}
	m, err := s.find(ref)
	if err != nil {
		return nil, err
	}
	c := *m
	return &c, nil
}

// MarkRead marks the message seen and tells the UI, as the engine does.
func (s *Session) MarkRead(ref app.Ref) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return err
	}
	m, err := s.find(ref)
	if err != nil {
		return err
	}
	m.Seen = true
	return nil
}

// SendMDN records the read receipt.
func (s *Session) SendMDN(ref app.Ref) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return err
	}
	m, err := s.find(ref)
	if err != nil {
		return err
	}
	m.AskMDN = false
	s.mdns = append(s.mdns, ref)
	return nil
}

// Delete moves the message to the BAL's trash (app.Deleter) and reports the change.
func (s *Session) Delete(ref app.Ref) error {
	s.mu.Lock()
	if err := s.check(); err != nil {
		s.mu.Unlock()
		return err
	}
	k := key(ref.BAL, ref.Folder)
	i := slices.IndexFunc(s.msgs[k], func(m *app.Message) bool { return m.UID == ref.UID })
	if i < 0 {
		s.mu.Unlock()
		return fmt.Errorf("memsession: delete %v: not found", ref)
	}
	m := s.msgs[k][i]
	s.msgs[k] = slices.Delete(s.msgs[k], i, i+1)
	if ref.Folder != "Trash" {
		m.Ref.Folder = "Trash"
		s.msgs[key(ref.BAL, "Trash")] = append(s.msgs[key(ref.BAL, "Trash")], m)
	}
	s.deleted = append(s.deleted, ref)
	s.mu.Unlock()
	s.Emit(mail.Changed{BAL: ref.BAL, Folder: ref.Folder})
	return nil
}

// Correspondents are the senders and recipients seen, matching prefix.
func (s *Session) Correspondents(prefix string, limit int) []app.Address {
	s.mu.Lock()
	defer s.mu.Unlock()
	prefix = strings.ToLower(prefix)
	seen := map[string]bool{}
	var out []app.Address
	for _, ms := range s.msgs {
		for _, m := range ms {
			for _, a := range append([]app.Address{m.From}, m.To...) {
				k := strings.ToLower(a.Email)
				if seen[k] || len(out) >= limit {
					continue
				}
				if strings.HasPrefix(k, prefix) || strings.HasPrefix(strings.ToLower(a.Name), prefix) {
					seen[k] = true
					out = append(out, a)
				}
			}
		}
	}
	return out
}

// ReplyDraft answers the sender ("Re: "), threading on the message.
func (s *Session) ReplyDraft(ref app.Ref, all bool) (app.Draft, error) {
	m, err := s.Open(ref)
	if err != nil {
		return app.Draft{}, err
	}
	d := app.Draft{From: app.Address{Email: ref.BAL}, To: []app.Address{m.From}, Subject: "Re: " + m.Subject,
		InReplyTo: m.MessageID, Text: "\n\n> " + strings.ReplaceAll(m.Text, "\n", "\n> ")}
	if all {
		for _, a := range append(slices.Clone(m.To), m.Cc...) {
			if !strings.EqualFold(a.Email, ref.BAL) {
				d.Cc = append(d.Cc, a)
			}
		}
	}
	return d, nil
}

// ForwardDraft forwards the message with its attachments ("Tr : ").
func (s *Session) ForwardDraft(ref app.Ref) (app.Draft, error) {
	m, err := s.Open(ref)
	if err != nil {
		return app.Draft{}, err
	}
	return app.Draft{From: app.Address{Email: ref.BAL}, Subject: "Tr : " + m.Subject, Text: m.Text, Parts: m.Parts}, nil
}

// OutsideTrust returns the addresses whose domain is outside the trust space.
func (s *Session) OutsideTrust(addrs []string) []string {
	var out []string
	for _, a := range addrs {
		ok := false
		for _, d := range s.trusted {
			ok = ok || strings.HasSuffix(strings.ToLower(a), d)
		}
		if !ok {
			out = append(out, a)
		}
	}
	return out
}

// Send records d as sent and forgets its BAL's draft.
func (s *Session) Send(_ context.Context, d app.Draft) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return "", err
	}
	s.sent = append(s.sent, d)
	delete(s.drafts, d.From.Email)
	return fmt.Sprintf("out-%d", len(s.sent)), nil
}

// SaveDraft keeps d as its BAL's draft.
func (s *Session) SaveDraft(d app.Draft) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return err
	}
	s.drafts[d.From.Email] = d
	return nil
}

// Draft returns the draft saved for bal (app.DraftStore).
func (s *Session) Draft(bal string) (app.Draft, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.drafts[bal]
	return d, ok
}

// OutboxCount is 0: sending is immediate here.
func (s *Session) OutboxCount() int { return 0 }

// SyncNow records the request.
func (s *Session) SyncNow(bal string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.syncs = append(s.syncs, bal)
}

var (
	_ app.Session          = (*Session)(nil)
	_ app.DraftStore       = (*Session)(nil)
	_ app.SituationChooser = (*Session)(nil)
	_ app.PatientBook      = (*Session)(nil)
	_ app.Deleter          = (*Session)(nil)
)

// SetFolders replaces bal's folders (a first sync not done yet, a folder created on the
// server); the messages of the folders that remain are kept.
func (s *Session) SetFolders(bal string, fs []app.Folder) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.folders[bal] = slices.Clone(fs)
}
