package app

import (
	"crypto/rand"
	"strings"
)

// newDraftID names the draft a new composer keeps.
func newDraftID() string { return rand.Text()[:16] }

// collectLenient is the draft as the fields hold it, for keeping: an address that does not
// parse is kept as typed, so that reopening the draft shows it again.
func (c *Composer) collectLenient() (Draft, error) {
	d, err := c.collect()
	if err != nil {
		d.To, d.Cc = lenientAddresses(c.To.Text), lenientAddresses(c.Cc.Text)
		d.Subject, d.Text = c.Subject.Text, c.Body.Text
		d.Parts = c.parts
	}
	return d, err
}

func lenientAddresses(s string) []Address {
	var out []Address
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if as, err := parseAddresses(f); err == nil && len(as) == 1 {
			out = append(out, as[0])
		} else {
			out = append(out, Address{Email: f})
		}
	}
	return out
}

// changed reports whether d differs from what the composer opened with.
func (c *Composer) changed(d Draft) bool {
	i := c.initial
	return joinAddrs(d.To) != joinAddrs(i.To) || joinAddrs(d.Cc) != joinAddrs(i.Cc) || d.Subject != i.Subject ||
		d.Text != i.Text || len(d.Parts) != len(i.Parts) || d.RequestDSN != i.RequestDSN ||
		d.RequestMDN != i.RequestMDN || d.NoReplyExpected != i.NoReplyExpected || d.From.Email != i.From.Email ||
		d.Documents != i.Documents
}

// saveDraft keeps the message as a draft and closes the composer (« Enregistrer le
// brouillon »).
func (c *Composer) saveDraft() {
	c.u.touch()
	d, _ := c.collectLenient()
	if c.keep(d) {
		c.Window.Close()
	}
}

// requestClose is « Fermer » and the window's close box: what was typed is kept as a
// draft first; if it cannot be kept, the composer stays open and says why. Nothing is ever
// lost silently.
func (c *Composer) requestClose() {
	c.u.touch()
	if c.done {
		c.Window.Close()
		return
	}
	d, _ := c.collectLenient()
	if !c.changed(d) {
		c.done = true
		c.Window.Close()
		return
	}
	if c.keep(d) {
		c.Window.Close()
	}
}

// keep saves d as the composer's draft, telling the user; false (and the reason shown)
// when it could not be saved.
func (c *Composer) keep(d Draft) bool {
	if c.u.refused(c.s, c.fail) {
		return false
	}
	if err := c.s.SaveDraft(d); err != nil {
		c.u.log.Warn("save draft", "err", err)
		if msg := c.u.lockedError(err); msg != "" {
			c.fail(msg)
		} else {
			c.fail(c.u.tr.T("compose.draft.failed"))
		}
		return false
	}
	c.done = true
	c.u.notice(c.u.tr.T("status.draft.saved"))
	return true
}

// keepOnClose saves what a composer closed by another way (Échap, the lock) still held.
func (c *Composer) keepOnClose() {
	if c.done {
		return
	}
	c.done = true
	d, _ := c.collectLenient()
	if !c.changed(d) || !c.u.live(c.s) {
		return
	}
	if err := c.s.SaveDraft(d); err != nil {
		c.u.log.Warn("save draft on close", "err", err)
		c.u.showError(c.u.tr.T("compose.draft.failed"), err)
		return
	}
	c.u.notice(c.u.tr.T("status.draft.saved"))
}

// discard forgets the draft, after a confirmation (« Supprimer le brouillon »).
func (c *Composer) discard() {
	c.u.touch()
	t := c.u.tr.T
	c.u.confirm(c.Window, t("compose.discard.title"), t("compose.discard.body"), t("compose.discard.ok"), func(ok bool) {
		if !ok {
			return
		}
		var err error
		if dl, isList := c.s.(DraftList); isList {
			err = dl.DeleteDraft(c.draft.From.Email, c.draft.DraftID)
			if c.draft.From.Email == "" {
				d, _ := c.collectLenient()
				err = dl.DeleteDraft(d.From.Email, c.draft.DraftID)
			}
		} else {
			d, _ := c.collectLenient()
			err = c.s.SaveDraft(Draft{From: d.From, DraftID: c.draft.DraftID}) // an empty draft is none
		}
		if err != nil {
			c.u.log.Warn("discard draft", "err", err)
		}
		c.done = true
		c.Window.Close()
	})
}

// keepDrafts saves what each open composer holds as a draft, before a lock closes them;
// fields that do not parse are kept as typed.
func (u *UI) keepDrafts() {
	for _, c := range u.composers {
		if c.done {
			continue
		}
		c.done = true
		d, _ := c.collectLenient()
		if !c.changed(d) {
			continue
		}
		if err := c.s.SaveDraft(d); err != nil {
			u.log.Warn("save draft on lock", "err", err)
		}
	}
}

// draftToReopen is what « Nouveau message » opens: the newest draft of bal no composer
// shows, else a blank message.
func (u *UI) draftToReopen(s Session, bal string) Draft {
	open := map[string]bool{}
	for _, c := range u.composers {
		open[c.draft.DraftID] = true
	}
	if dl, ok := s.(DraftList); ok {
		for _, d := range dl.Drafts(bal) {
			if !open[d.DraftID] {
				return d
			}
		}
		return Draft{}
	}
	if ds, ok := s.(DraftStore); ok {
		if d, ok := ds.Draft(bal); ok && !open[d.DraftID] {
			return d
		}
	}
	return Draft{}
}

// suggestAsync finds the suggestions for prefix off the UI goroutine, then hands them to
// done on it.
func (c *Composer) suggestAsync(prefix string, done func([]Suggestion)) {
	go func() {
		addrs := c.suggest(prefix)
		list := make([]Suggestion, len(addrs))
		for i, a := range addrs {
			list[i] = c.u.suggestionOf(a)
		}
		c.u.deps.Do(func() { done(list) })
	}()
}
