package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"comptoir/mail/msg"
	"comptoir/store"
)

// draftRecord is a saved draft. Drafts written before the session core kept attachments as
// "Parts" (the app's type); they are read back as attachments.
type draftRecord struct {
	msg.Draft
	Parts []struct {
		Name, ContentType string
		Data              []byte
	} `json:",omitempty"`
}

// SaveDraft keeps d as its BAL's draft (d.From.Email), in the encrypted cache; one per BAL.
func (s *Session) SaveDraft(d msg.Draft) error {
	if err := s.check(); err != nil {
		return err
	}
	raw, err := json.Marshal(draftRecord{Draft: d})
	if err != nil {
		return fmt.Errorf("session: draft: %w", err)
	}
	if err := s.st.SetSetting(store.KeyDraft(d.From.Email), raw); err != nil {
		return fmt.Errorf("session: draft: %w", err)
	}
	return nil
}

// Draft returns the draft saved for bal, if there is one with something in it.
func (s *Session) Draft(bal string) (msg.Draft, bool) {
	if s.check() != nil {
		return msg.Draft{}, false
	}
	raw, err := s.st.Setting(store.KeyDraft(bal))
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.cfg.Logger.Warn("read draft", "err", err)
		}
		return msg.Draft{}, false
	}
	var r draftRecord
	if json.Unmarshal(raw, &r) != nil {
		return msg.Draft{}, false
	}
	d := r.Draft
	for _, p := range r.Parts {
		d.Attachments = append(d.Attachments, msg.Attachment{Name: p.Name, ContentType: p.ContentType, Data: p.Data})
	}
	empty := len(d.To)+len(d.Cc)+len(d.Bcc)+len(d.Attachments) == 0 && d.Documents == nil &&
		strings.TrimSpace(d.Subject+d.Text) == ""
	return d, !empty
}
