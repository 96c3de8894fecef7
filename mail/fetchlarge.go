package mail

import (
	"context"
	"fmt"
	"io"
	"mime"
	"slices"
	"strings"

	"comptoir/mail/msg"
	"comptoir/store"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message"
)

const (
	// streamThreshold is the RFC822.SIZE above which a body is streamed into the store
	// chunk by chunk instead of held whole in memory (mainly messages with big attachments).
	streamThreshold = 1 << 20
	maxHeaderSize   = 1 << 20
)

// splitBySize separates the UIDs whose size is above streamThreshold.
func splitBySize(uids []imap.UID, sizes map[imap.UID]int64) (small, large []imap.UID) {
	for _, u := range uids {
		if sizes[u] > streamThreshold {
			large = append(large, u)
		} else {
			small = append(small, u)
		}
	}
	return small, large
}

// fetchLarge fetches large messages one at a time, piping each body literal into
// store.WriteBody: memory stays bounded whatever the attachment size. Their envelopes are
// built from the header, the server's ENVELOPE and BODYSTRUCTURE (attachments) and the
// start of the text part (preview and search), fetched separately.
func (s *session) fetchLarge(ctx context.Context, f *store.Folder, uids []imap.UID, w *writer) error {
	for _, uid := range uids {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.fetchOneLarge(f, uid, w); err != nil {
			// A literal left half-read desynchronises the connection: drop it.
			s.c.Close()
			return fmt.Errorf("mail: UID FETCH %s %d (streamed): %w", s.selected, uid, err)
		}
	}
	return nil
}

func (s *session) fetchOneLarge(f *store.Folder, uid imap.UID, w *writer) error {
	ref := refOf(s.bal, f.Name, uint32(uid))
	opts := &imap.FetchOptions{UID: true, Flags: true, RFC822Size: true, InternalDate: true, Envelope: true,
		BodyStructure: &imap.FetchItemBodyStructure{Extended: true},
		BodySection:   []*imap.FetchItemBodySection{{Peek: true}}}
	cmd := s.c.Fetch(imap.UIDSetNum(uid), opts)
	fm := &fetched{}
	streamed := false
	for m := cmd.Next(); m != nil; m = cmd.Next() {
		for item := m.Next(); item != nil; item = m.Next() {
			lit := fm.note(item)
			if lit == nil {
				continue
			}
			if streamed {
				if err := discardLiteral(lit); err != nil { // not the body asked for
					return s.refuse(lit, err)
				}
				continue
			}
			if n := lit.Size(); n > maxBodySize {
				return s.refuse(lit, tooLarge(fmt.Sprintf("message UID %d", uid), n))
			}
			if _, err := w.s.e.cfg.Store.WriteBody(ref, lit); err != nil {
				return s.refuse(lit, err) // the literal may be half read: Close would wait for it
			}
			streamed = true
		}
	}
	if err := cmd.Close(); err != nil {
		return err
	}
	if fm.uid != uint32(uid) || !streamed {
		return nil // expunged meanwhile
	}
	env, err := s.largeEnvelope(ref, fm)
	if err != nil {
		return err
	}
	return w.add(store.Message{Envelope: env})
}

// completeStreamed stores the envelopes of the messages whose bodies readFetched streamed
// to the store: their ENVELOPE and BODYSTRUCTURE, then largeEnvelope.
func (s *session) completeStreamed(ctx context.Context, f *store.Folder, uids []imap.UID, w *writer) error {
	slices.Sort(uids)
	opts := &imap.FetchOptions{UID: true, Flags: true, RFC822Size: true, InternalDate: true, Envelope: true,
		BodyStructure: &imap.FetchItemBodyStructure{Extended: true}}
	msgs, err := s.collectFetched(s.c.Fetch(uidSetOf(uids), opts))
	if err != nil {
		s.c.Close()
		return fmt.Errorf("mail: UID FETCH %s (streamed envelopes): %w", s.selected, err)
	}
	for _, fm := range msgs {
		if err := ctx.Err(); err != nil {
			return err
		}
		env, err := s.largeEnvelope(refOf(s.bal, f.Name, fm.uid), fm)
		if err != nil {
			s.c.Close() // a literal left half-read desynchronises the connection
			return fmt.Errorf("mail: UID FETCH %s %d (streamed envelope): %w", s.selected, fm.uid, err)
		}
		if err := w.add(store.Message{Envelope: env}); err != nil {
			return err
		}
	}
	return nil
}

// largeEnvelope completes a streamed message's envelope with a second FETCH of its
// header and the start of its text part.
func (s *session) largeEnvelope(ref store.Ref, fm *fetched) (store.Envelope, error) {
	fromIMAP := envelopeFromIMAP(ref, fm.env, fm.bs, fm.size)
	path, part := textPart(fm.bs)
	items := []*imap.FetchItemBodySection{{Peek: true, Specifier: imap.PartSpecifierHeader}}
	if part != nil {
		// Encoded text is longer than decoded: base64 by 4/3, quoted-printable up to 3.
		items = append(items, &imap.FetchItemBodySection{Peek: true, Part: path,
			Partial: &imap.SectionPartial{Size: 3 * maxIndexText}})
	}
	cmd := s.c.Fetch(imap.UIDSetNum(imap.UID(fm.uid)), &imap.FetchOptions{UID: true, BodySection: items})
	var header []byte
	var text string
	for m := cmd.Next(); m != nil; m = cmd.Next() {
		for item := m.Next(); item != nil; item = m.Next() {
			it, ok := item.(imapclient.FetchItemDataBodySection)
			if !ok || it.Literal == nil {
				continue
			}
			var err error
			if it.Section.Specifier == imap.PartSpecifierHeader {
				header, err = io.ReadAll(io.LimitReader(it.Literal, maxHeaderSize))
			} else {
				text = decodeTextPart(part, it.Literal)
			}
			if err == nil {
				_, err = io.Copy(io.Discard, it.Literal)
			}
			if err != nil {
				return store.Envelope{}, err
			}
		}
	}
	if err := cmd.Close(); err != nil {
		return store.Envelope{}, err
	}
	env := fromIMAP
	if len(header) > 0 {
		// The header alone parses as an empty message: its fields, MDN request,
		// confidentiality and patient headers; attachments and kind come from BODYSTRUCTURE.
		env = envelopeFromRaw(ref, header)
		env.Attachments = fromIMAP.Attachments
		if fromIMAP.Kind != "" {
			env.Kind = fromIMAP.Kind
		}
		if env.Date.IsZero() {
			env.Date = fromIMAP.Date
		}
		classify(&env)
	}
	if len(text) > maxIndexText {
		text = strings.ToValidUTF8(text[:maxIndexText], "")
	}
	env.Text, env.Preview = text, preview(text)
	env.Size, env.Flags = fm.size, fm.flags
	if env.Date.IsZero() {
		env.Date = fm.date
	}
	return env, nil
}

// textPart finds the message's body text: the first text/plain part that is not an
// attachment, else the first text/html one.
func textPart(bs imap.BodyStructure) (path []int, part *imap.BodyStructureSinglePart) {
	var htmlPath []int
	var html *imap.BodyStructureSinglePart
	if bs == nil {
		return nil, nil
	}
	bs.Walk(func(p []int, b imap.BodyStructure) bool {
		sp, ok := b.(*imap.BodyStructureSinglePart)
		if !ok || part != nil {
			return part == nil
		}
		if sp.Filename() != "" || (sp.Disposition() != nil && strings.EqualFold(sp.Disposition().Value, "attachment")) {
			return true
		}
		switch strings.ToLower(sp.MediaType()) {
		case "text/plain":
			path, part = append([]int(nil), p...), sp
		case "text/html":
			if html == nil {
				htmlPath, html = append([]int(nil), p...), sp
			}
		}
		return true
	})
	if part == nil {
		path, part = htmlPath, html
	}
	if len(path) == 0 && part != nil {
		path = []int{1} // a single-part message's body is section 1
	}
	return path, part
}

// decodeTextPart decodes the (possibly truncated) start of a text part: transfer encoding,
// charset, and HTML to text. A truncated encoding ends the text where decoding fails.
func decodeTextPart(sp *imap.BodyStructureSinglePart, r io.Reader) string {
	var h message.Header
	h.Set("Content-Type", mime.FormatMediaType(strings.ToLower(sp.MediaType()), sp.Params))
	h.Set("Content-Transfer-Encoding", sp.Encoding)
	ent, err := message.New(h, io.LimitReader(r, 3*maxIndexText))
	if ent == nil {
		_ = err
		return ""
	}
	if strings.EqualFold(sp.MediaType(), "text/html") {
		return msg.HTMLToText(io.LimitReader(ent.Body, 4*maxIndexText))
	}
	var b strings.Builder
	_, _ = io.Copy(&b, io.LimitReader(ent.Body, maxIndexText)) // a cut encoding ends the text
	return b.String()
}
