package app_test

// TEMPORARY: an in-memory stand-in for the card and session while cps/store/mail land;
// replaced by the real parts (package app/wire tests) before the end of the work.

import (
	. "comptoir/app"
	"context"
	"strings"
	"sync"
	"time"
)

type fakeCards struct {
	mu      sync.Mutex
	present bool
	tries   int
	events  chan CardEvent
	sess    *fakeSession
	bals    []BAL
}

func newFakeCards(bals ...BAL) *fakeCards {
	return &fakeCards{present: true, tries: 3, events: make(chan CardEvent, 8), bals: bals}
}

func (f *fakeCards) reader() Reader {
	return Reader{Slot: 1, Description: "Lecteur 1", CardPresent: f.present, Label: "CPS DUPONT"}
}

func (f *fakeCards) Readers(context.Context) ([]Reader, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return []Reader{f.reader()}, nil
}

func (f *fakeCards) Watch(context.Context) <-chan CardEvent { return f.events }

func (f *fakeCards) Login(_ context.Context, slot uint, pin []byte) (Session, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.present {
		return nil, ErrNoCard
	}
	if string(pin) != "1234" {
		f.tries--
		return nil, &PINError{CountLow: true, FinalTry: f.tries == 1, Locked: f.tries == 0}
	}
	f.tries = 3
	f.sess = newFakeSession(f.bals)
	return f.sess, nil
}

func (f *fakeCards) pull() {
	f.mu.Lock()
	f.present = false
	s := f.sess
	f.mu.Unlock()
	if s != nil {
		s.removeOnce.Do(func() { close(s.removed) })
	}
	f.events <- CardEvent{Inserted: false}
}

type fakeSession struct {
	mu         sync.Mutex
	bals       []BAL
	msgs       map[string][]Envelope // bal/folder → newest first
	events     chan Event
	removed    chan struct{}
	removeOnce sync.Once
	outbox     []Draft
	closed     bool
}

func newFakeSession(bals []BAL) *fakeSession {
	s := &fakeSession{bals: bals, msgs: map[string][]Envelope{}, events: make(chan Event, 64), removed: make(chan struct{})}
	now := time.Now()
	for _, b := range bals {
		s.msgs[b.Address+"/INBOX"] = []Envelope{
			{Ref: Ref{b.Address, "INBOX", 2}, Subject: "XDM/1.0/DDM+Ordonnance MARTIN Jeanne", Date: now, From: Address{"Jeanne Martin", "285017512345678@patient.mssante.fr"},
				Patient: &Patient{INS: "285017512345678", Name: "Jeanne MARTIN"}, Kind: "patient", Attachments: []Attachment{{Name: "ordonnance.pdf"}}},
			{Ref: Ref{b.Address, "INBOX", 1}, Subject: "Compte rendu", Date: now.Add(-time.Hour), From: Address{"Dr Paul Durand", "paul.durand@sandbox.mssante.test"}, Seen: true},
		}
	}
	return s
}

func (s *fakeSession) Holder() Holder {
	return Holder{GivenName: "Claire", Surname: "DUPONT", Profession: "Pharmacien", NationalID: "810001234567", IDType: "RPPS"}
}
func (s *fakeSession) BALs() []BAL              { return s.bals }
func (s *fakeSession) Events() <-chan Event     { return s.events }
func (s *fakeSession) Removed() <-chan struct{} { return s.removed }
func (s *fakeSession) Folders(bal string) ([]Folder, error) {
	return []Folder{{Name: "INBOX"}, {Name: "Sent", SpecialUse: `\Sent`}}, nil
}
func (s *fakeSession) Counts(bal, folder string) (int, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, u := 0, 0
	for _, e := range s.msgs[bal+"/"+folder] {
		n++
		if !e.Seen {
			u++
		}
	}
	return n, u, nil
}
func (s *fakeSession) Page(bal, folder string, off, lim int) ([]Envelope, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.msgs[bal+"/"+folder]
	if off > len(l) {
		return nil, nil
	}
	return append([]Envelope(nil), l[off:min(len(l), off+lim)]...), nil
}
func (s *fakeSession) Search(bal, text string) ([]Envelope, error) {
	var out []Envelope
	for _, e := range s.msgs[bal+"/INBOX"] {
		if strings.Contains(strings.ToLower(e.Subject), strings.ToLower(text)) {
			out = append(out, e)
		}
	}
	return out, nil
}
func (s *fakeSession) Open(r Ref) (*Message, error) {
	for _, e := range s.msgs[r.BAL+"/"+r.Folder] {
		if e.Ref == r {
			return &Message{Envelope: e, Text: "Bonjour, voici mon ordonnance."}, nil
		}
	}
	return nil, ErrNoCard
}
func (s *fakeSession) MarkRead(r Ref) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.msgs[r.BAL+"/"+r.Folder]
	for i := range l {
		if l[i].Ref == r {
			l[i].Seen = true
		}
	}
	return nil
}
func (s *fakeSession) SendMDN(Ref) error                        { return nil }
func (s *fakeSession) Correspondents(p string, n int) []Address { return nil }
func (s *fakeSession) ReplyDraft(r Ref, all bool) (Draft, error) {
	m, err := s.Open(r)
	if err != nil {
		return Draft{}, err
	}
	return Draft{To: []Address{m.From}, Subject: "Re: " + strings.TrimPrefix(m.Subject, "XDM/1.0/DDM+"), InReplyTo: m.MessageID}, nil
}
func (s *fakeSession) ForwardDraft(r Ref) (Draft, error) { return Draft{}, nil }
func (s *fakeSession) OutsideTrust(a []string) []string {
	var out []string
	for _, x := range a {
		if !strings.HasSuffix(x, ".mssante.fr") && !strings.HasSuffix(x, ".mssante.test") {
			out = append(out, x)
		}
	}
	return out
}
func (s *fakeSession) Send(_ context.Context, d Draft) (string, error) {
	s.mu.Lock()
	s.outbox = append(s.outbox, d)
	n := len(s.outbox)
	s.mu.Unlock()
	s.events <- OutboxCount{N: n}
	return "id", nil
}
func (s *fakeSession) SaveDraft(Draft) error { return nil }
func (s *fakeSession) OutboxCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.outbox)
}
func (s *fakeSession) SyncNow(string) {}
func (s *fakeSession) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return nil
}
