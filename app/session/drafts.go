package session

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"comptoir/mail/msg"
	"comptoir/store"
)

// SavedDraft is a message being written, kept in the encrypted cache: several per BAL, so
// that closing one composer never overwrites what another holds.
type SavedDraft struct {
	ID    string
	Saved time.Time
	msg.Draft
	// Origin is the message a reply or a forward is made from (nil for a new message).
	Origin *Origin `json:",omitempty"`
}

// Origin names the message a draft answers or forwards: once sent, the message gets
// \Answered or $Forwarded.
type Origin struct {
	Ref     store.Ref
	Forward bool
}

// draftRecord is one stored draft. Records written before drafts had ids (one per BAL, a
// bare draft) read back with ID "" ; those written before the session core kept
// attachments as "Parts" (the app's type) read back as attachments.
type draftRecord struct {
	SavedDraft
	Parts []struct {
		Name, ContentType string
		Data              []byte
	} `json:",omitempty"`
}

const legacyDraftID = "0"

// NewDraftID names a new draft.
func NewDraftID() string { return rand.Text()[:16] }

// SaveDraft keeps d as the draft id of its BAL (d.From.Email), replacing the draft of that
// id; an empty d (no recipient, subject, text or attachment) removes it. The one draft of
// older versions reads back with id "0".
func (s *Session) SaveDraft(id string, d msg.Draft, o *Origin) error {
	if err := s.check(); err != nil {
		return err
	}
	bal := d.From.Email
	s.draftsMu.Lock()
	defer s.draftsMu.Unlock()
	list, err := s.loadDrafts(bal)
	if err != nil {
		return err
	}
	list = slices.DeleteFunc(list, func(x SavedDraft) bool { return x.ID == id })
	if !emptyDraft(d) {
		list = append(list, SavedDraft{ID: id, Saved: s.cfg.Now(), Draft: d, Origin: o})
	}
	return s.storeDrafts(bal, list)
}

// Drafts lists the drafts saved for bal, newest first.
func (s *Session) Drafts(bal string) []SavedDraft {
	if s.check() != nil {
		return nil
	}
	s.draftsMu.Lock()
	list, err := s.loadDrafts(bal)
	s.draftsMu.Unlock()
	if err != nil {
		s.cfg.Logger.Warn("read drafts", "err", err)
		return nil
	}
	slices.SortStableFunc(list, func(a, b SavedDraft) int { return b.Saved.Compare(a.Saved) })
	return list
}

// Draft returns the newest draft saved for bal, if there is one.
func (s *Session) Draft(bal string) (SavedDraft, bool) {
	list := s.Drafts(bal)
	if len(list) == 0 {
		return SavedDraft{}, false
	}
	return list[0], true
}

// DeleteDraft forgets the draft id of bal (sent, or discarded by the user).
func (s *Session) DeleteDraft(bal, id string) error {
	if err := s.check(); err != nil {
		return err
	}
	s.draftsMu.Lock()
	defer s.draftsMu.Unlock()
	list, err := s.loadDrafts(bal)
	if err != nil {
		return err
	}
	return s.storeDrafts(bal, slices.DeleteFunc(list, func(x SavedDraft) bool { return x.ID == id }))
}

func emptyDraft(d msg.Draft) bool {
	return len(d.To)+len(d.Cc)+len(d.Bcc)+len(d.Attachments) == 0 && d.Documents == nil &&
		strings.TrimSpace(d.Subject+d.Text) == ""
}

// loadDrafts reads bal's drafts: a JSON list, or the single draft of older versions.
func (s *Session) loadDrafts(bal string) ([]SavedDraft, error) {
	raw, err := s.st.Setting(store.KeyDraft(bal))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("session: drafts: %w", err)
	}
	var recs []draftRecord
	if len(raw) > 0 && raw[0] == '{' {
		var r draftRecord
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, fmt.Errorf("session: drafts: %w", err)
		}
		recs = []draftRecord{r}
	} else if err := json.Unmarshal(raw, &recs); err != nil {
		return nil, fmt.Errorf("session: drafts: %w", err)
	}
	out := make([]SavedDraft, 0, len(recs))
	for _, r := range recs {
		d := r.SavedDraft
		if d.ID == "" {
			d.ID = legacyDraftID // the one draft of older versions
		}
		for _, p := range r.Parts {
			d.Attachments = append(d.Attachments, msg.Attachment{Name: p.Name, ContentType: p.ContentType, Data: p.Data})
		}
		if !emptyDraft(d.Draft) {
			out = append(out, d)
		}
	}
	return out, nil
}

func (s *Session) storeDrafts(bal string, list []SavedDraft) error {
	if len(list) == 0 {
		if err := s.st.SetSetting(store.KeyDraft(bal), nil); err != nil {
			return fmt.Errorf("session: drafts: %w", err)
		}
		return nil
	}
	raw, err := json.Marshal(list)
	if err != nil {
		return fmt.Errorf("session: drafts: %w", err)
	}
	if err := s.st.SetSetting(store.KeyDraft(bal), raw); err != nil {
		return fmt.Errorf("session: drafts: %w", err)
	}
	return nil
}
