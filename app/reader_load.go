package app

import "context"

// load shows the message of e: its headers at once, from the list's envelope; the message
// itself is read off the UI goroutine (Mailbox.Open walks it once, attachments left in the
// cache) and its text, documents and attachment rows shown once read. A message with many
// attachments is shown as soon as the first ones are read, then completed. Selecting
// another message, or clearing the reader, cancels the read under way.
func (r *ReaderView) load(s Mailbox, e Envelope) {
	r.stopLoad()
	ctx, cancel := context.WithCancel(r.u.context())
	r.loadCancel = cancel
	seq := r.loadSeq
	r.show(&Message{Envelope: e})
	r.Body.SetText(r.u.tr.T("reader.loading"))
	r.loading = true
	early := func(msg *Message) {
		r.u.deps.Do(func() {
			if seq == r.loadSeq && r.loading {
				r.showEarly(msg)
			}
		})
	}
	go func() {
		msg, err := s.Open(ctx, e.Ref, early)
		cancel()
		r.u.deps.Do(func() {
			if seq != r.loadSeq {
				return // another message was selected meanwhile
			}
			r.loadCancel, r.loading = nil, false
			if err != nil {
				r.clear()
				r.u.showError(r.u.tr.T("error.open"), err)
				return
			}
			r.show(msg)
		})
	}()
}

// showEarly shows a message not read to its end: headers, the text so far, the first
// attachments; the list says the others are being read.
func (r *ReaderView) showEarly(msg *Message) {
	r.show(msg)
	if msg.Text == "" {
		r.Body.SetText(r.u.tr.T("reader.loading"))
	}
	if r.plist != nil && r.plist.parts != nil {
		r.plist.title.SetText(r.u.tr.T("reader.attachments.reading"))
	}
}

// stopLoad cancels the read under way and voids its result.
func (r *ReaderView) stopLoad() {
	r.loadSeq++
	r.loading = false
	if r.loadCancel != nil {
		r.loadCancel()
		r.loadCancel = nil
	}
}

// Loading reports whether the reader is still reading the selected message.
func (r *ReaderView) Loading() bool { return r.loading }
