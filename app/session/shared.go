package session

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"errors"
	"fmt"
	"mime"
	"slices"
	"strings"
	"sync"
	"time"

	"comptoir/store"
)

// Keywords of a shared BAL (IMAP keywords, seen by every counter and every client).
const (
	// FlagHandled marks a message dealt with (« traité »). Who and when are not in the
	// keyword (IMAP keywords carry no value): each change is also written to JournalFolder.
	FlagHandled = "$Traite"
	// FlagForwarded is the registered keyword of a forwarded message (RFC 5550).
	FlagForwarded = "$Forwarded"
)

// JournalFolder holds one small message per « traité » change of the BAL's messages: its
// In-Reply-To is the message's Message-ID, its From names who, its Date says when, its
// Subject says the new state. Every counter synchronises it like any folder; the screens
// do not list it. See docs/architecture.md, "Shared BAL".
const JournalFolder = "Suivi Comptoir"

const (
	journalHandled   = "[Comptoir] traité"
	journalUnhandled = "[Comptoir] non traité"
)

// Handled says who marked a message « traité » and when.
type Handled struct {
	On bool   // false: the last change took the mark off
	By string // "Élise BONNEFOY", or the software's organisation
	At time.Time
}

// handledIndex maps each BAL's Message-IDs to their last journal entry, rebuilt when the
// journal folder changes, plus the changes made here that the journal does not hold yet.
type handledIndex struct {
	mu      sync.Mutex
	version map[string]string
	byID    map[string]map[string]Handled // BAL → Message-ID → entry
	local   map[string]map[string]Handled
}

// MarkHandled marks a message « traité » (on) or takes the mark off: the keyword in the
// store now and on the server when online, and a journal entry naming the holder.
func (s *Session) MarkHandled(ref store.Ref, on bool) error {
	if err := s.check(); err != nil {
		return err
	}
	env, err := s.st.Envelope(ref)
	if err != nil {
		return fmt.Errorf("session: handled: %w", err)
	}
	if on {
		err = s.eng.ChangeFlags(ref, []string{FlagHandled}, nil)
	} else {
		err = s.eng.ChangeFlags(ref, nil, []string{FlagHandled})
	}
	if err != nil {
		return fmt.Errorf("session: handled: %w", err)
	}
	if env.MessageID == "" {
		return nil // nothing to link a journal entry to: the keyword alone
	}
	// The journal's Date header holds whole seconds: so does the entry remembered here.
	h := Handled{On: on, By: s.Identity().displayName(), At: s.cfg.Now().Truncate(time.Second)}
	raw := journalEntry(ref.BAL, env.MessageID, h)
	if err := s.eng.AppendTo(ref.BAL, JournalFolder, raw); err != nil {
		return fmt.Errorf("session: handled: %w", err)
	}
	s.handled.remember(ref.BAL, env.MessageID, h)
	return nil
}

// HandledBy says who last marked the message with this Message-ID « traité » in bal, and
// when (false when the journal holds nothing about it).
func (s *Session) HandledBy(bal, messageID string) (Handled, bool) {
	if messageID == "" || s.check() != nil {
		return Handled{}, false
	}
	return s.handled.lookup(s.st, bal, messageID, s.cfg.Logger.Warn)
}

// MarkUnread takes \Seen off a message.
func (s *Session) MarkUnread(ref store.Ref) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.eng.MarkUnread(ref)
}

// Delete moves a message to the BAL's Trash (removes it from Trash).
func (s *Session) Delete(ref store.Ref) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.eng.Delete(ref)
}

// Archive moves a message to the BAL's archive folder.
func (s *Session) Archive(ref store.Ref) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.eng.Archive(ref)
}

// MarkOrigin flags the message a sent reply answers (\Answered) or a sent forward forwards
// ($Forwarded).
func (s *Session) MarkOrigin(o Origin) error {
	if err := s.check(); err != nil {
		return err
	}
	flag := `\Answered`
	if o.Forward {
		flag = FlagForwarded
	}
	return s.eng.ChangeFlags(o.Ref, []string{flag}, nil)
}

// AfterSend is what follows a message queued from a composer: the draft it came from (id,
// "" for none) is forgotten, and the message it answers or forwards is flagged. Failures
// are logged: the message is queued whatever happens here.
func (s *Session) AfterSend(bal, draftID string, o *Origin) {
	if draftID != "" {
		if err := s.DeleteDraft(bal, draftID); err != nil {
			s.cfg.Logger.Warn("forget the sent draft", "err", err)
		}
	}
	if o != nil {
		if err := s.MarkOrigin(*o); err != nil && !errors.Is(err, store.ErrNotFound) {
			s.cfg.Logger.Warn("flag the answered message", "err", err)
		}
	}
}

// displayName is how the journal names whoever acts: "Élise BONNEFOY", or the software's
// organisation.
func (id Identity) displayName() string {
	if id.App {
		return id.Organisation
	}
	return strings.TrimSpace(id.GivenName + " " + strings.ToUpper(id.Surname))
}

// journalEntry is the journal message of one change: no content of the message itself.
func journalEntry(bal, messageID string, h Handled) []byte {
	subject, state := journalHandled, "traité"
	if !h.On {
		subject, state = journalUnhandled, "non traité"
	}
	var b bytes.Buffer
	hdr := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	hdr("Date", h.At.Format(time.RFC1123Z))
	hdr("From", mime.QEncoding.Encode("utf-8", h.By)+" <"+bal+">")
	hdr("To", "<"+bal+">")
	hdr("Subject", mime.QEncoding.Encode("utf-8", subject))
	hdr("Message-ID", "<"+strings.ToLower(rand.Text())+"@comptoir.invalid>")
	hdr("In-Reply-To", "<"+messageID+">")
	hdr("References", "<"+messageID+">")
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", "text/plain; charset=utf-8")
	hdr("Content-Transfer-Encoding", "8bit")
	b.WriteString("\r\n")
	fmt.Fprintf(&b, "Message <%s> marqué « %s » par %s le %s.\r\n", messageID, state, h.By,
		h.At.Format("02/01/2006 à 15:04"))
	return b.Bytes()
}

func (x *handledIndex) remember(bal, messageID string, h Handled) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.local == nil {
		x.local = map[string]map[string]Handled{}
	}
	if x.local[bal] == nil {
		x.local[bal] = map[string]Handled{}
	}
	x.local[bal][messageID] = h
}

// lookup reads the entry of messageID, rebuilding bal's index when its journal changed.
func (x *handledIndex) lookup(st *store.Store, bal, messageID string, warn func(string, ...any)) (Handled, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := x.refreshLocked(st, bal); err != nil {
		warn("read the handled journal", "err", err)
	}
	h, ok := x.byID[bal][messageID]
	if l, lok := x.local[bal][messageID]; lok && (!ok || l.At.After(h.At)) {
		return l, true
	}
	return h, ok
}

func (x *handledIndex) refreshLocked(st *store.Store, bal string) error {
	total, _, err := st.Counts(bal, JournalFolder)
	if errors.Is(err, store.ErrNotFound) {
		return nil // no journal yet
	}
	if err != nil {
		return err
	}
	f, err := st.Folder(bal, JournalFolder)
	if err != nil {
		return err
	}
	version := fmt.Sprintf("%d/%d/%d", f.UIDValidity, f.UIDNext, total)
	if x.version[bal] == version {
		return nil
	}
	envs, err := st.Page(bal, JournalFolder, 0, total)
	if err != nil {
		return err
	}
	// In the order of the changes: by date, then as appended (within one second).
	slices.SortFunc(envs, func(a, b store.Envelope) int {
		if c := a.Date.Compare(b.Date); c != 0 {
			return c
		}
		return cmp.Compare(a.UID, b.UID)
	})
	byID := map[string]Handled{}
	for _, e := range envs {
		var on bool
		switch e.Subject {
		case journalHandled:
			on = true
		case journalUnhandled:
		default:
			continue // not an entry of ours
		}
		if e.InReplyTo == "" {
			continue
		}
		by := e.From.Name
		if by == "" {
			by = e.From.Email
		}
		byID[e.InReplyTo] = Handled{On: on, By: by, At: e.Date}
	}
	if x.byID == nil {
		x.byID, x.version = map[string]map[string]Handled{}, map[string]string{}
	}
	x.byID[bal], x.version[bal] = byID, version
	return nil
}
