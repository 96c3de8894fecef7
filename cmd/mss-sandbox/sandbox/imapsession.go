package sandbox

import (
	"crypto/tls"
	"errors"
	"strings"
	"sync"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-sasl"
)

// imapSession is one IMAP connection, authenticated through SASL EXTERNAL (card) or
// XOAUTH2/OAUTHBEARER (Pro Santé Connect token), always after TLS.
type imapSession struct {
	srv  *Server
	conn *imapserver.Conn
	acct *account // set by AUTHENTICATE

	// mu guards sel: go-imap runs Idle on its own goroutine, which can still be running
	// when the connection drops and Close is called.
	mu  sync.Mutex
	sel *view // selected mailbox
}

var (
	_ imapserver.SessionIMAP4rev2   = (*imapSession)(nil)
	_ imapserver.SessionSASL        = (*imapSession)(nil)
	_ imapserver.SessionAppendLimit = (*imapSession)(nil)
)

func noMailbox() error {
	return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeTryCreate, Text: "No such mailbox"}
}

func (s *imapSession) Close() error {
	s.setSelected(nil)
	return nil
}

func (s *imapSession) Login(string, string) error {
	return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAuthenticationFailed,
		Text: "Use AUTHENTICATE EXTERNAL with your card certificate, or XOAUTH2/OAUTHBEARER with a Pro Santé Connect token"}
}

func (s *imapSession) AuthenticateMechanisms() []string {
	return []string{sasl.External, mechXOAUTH2, mechOAUTHBEARER}
}

func (s *imapSession) Authenticate(mech string) (sasl.Server, error) {
	mech = strings.ToUpper(mech)
	if mech != sasl.External && mech != mechXOAUTH2 && mech != mechOAUTHBEARER {
		return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "Only EXTERNAL, XOAUTH2 and OAUTHBEARER are supported"}
	}
	tc, ok := s.conn.NetConn().(*tls.Conn)
	if !ok {
		return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodePrivacyRequired, Text: "TLS required"}
	}
	if mech != sasl.External {
		return newOAuthServer(mech, s.oauthLogin), nil
	}
	h, err := s.srv.verifier.peerHolder(tc.ConnectionState())
	if err != nil {
		s.srv.log.Info("imap: certificate refused", "err", err)
		return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAuthenticationFailed, Text: "Certificate refused"}
	}
	return sasl.NewExternalServer(func(authzid string) error { return s.open(h, authzid) }), nil
}

// oauthLogin checks a token and opens the BAL authzid for its holder.
func (s *imapSession) oauthLogin(authzid, token string) error {
	h, err := s.srv.tokenHolder(token)
	if err != nil {
		s.srv.log.Info("imap: token refused", "err", err)
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAuthenticationFailed, Text: "Token refused"}
	}
	return s.open(h, authzid)
}

// open opens the BAL authzid for an authenticated holder.
func (s *imapSession) open(h holder, authzid string) error {
	addr, err := s.srv.authorize(h, authzid)
	if err != nil {
		s.srv.log.Info("imap: authorization refused", "holder", h.ID, "bal", authzid, "err", err)
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAuthorizationFailed, Text: err.Error()}
	}
	acct, err := s.srv.mail.ensure(addr)
	if err != nil {
		return err
	}
	s.acct = acct
	s.srv.log.Info("imap: authenticated", "holder", h.ID, "bal", addr)
	return nil
}

func (s *imapSession) AppendLimit() uint32 { return uint32(min(s.srv.opts.MaxSize, 1<<32-1)) }

func (s *imapSession) Namespace() (*imap.NamespaceData, error) {
	return &imap.NamespaceData{Personal: []imap.NamespaceDescriptor{{Delim: mailboxDelim}}}, nil
}

func (s *imapSession) Select(name string, options *imap.SelectOptions) (*imap.SelectData, error) {
	mb, err := s.acct.box(name)
	if err != nil {
		return nil, err
	}
	s.setSelected(nil)
	mb.mu.Lock()
	defer mb.mu.Unlock()
	v := mb.newView()
	v.readOnly = options != nil && options.ReadOnly
	s.mu.Lock()
	s.sel = v
	s.mu.Unlock()
	return mb.selectDataLocked(), nil
}

func (s *imapSession) Unselect() error {
	s.setSelected(nil)
	return nil
}

// setSelected replaces the selected view and closes the previous one.
func (s *imapSession) setSelected(v *view) {
	s.mu.Lock()
	old := s.sel
	s.sel = v
	s.mu.Unlock()
	if old != nil {
		old.close()
	}
}

func (s *imapSession) Create(name string, options *imap.CreateOptions) error {
	var use imap.MailboxAttr
	if options != nil && len(options.SpecialUse) > 0 {
		use = options.SpecialUse[0]
	}
	_, err := s.acct.createBox(name, use, false)
	return err
}

func (s *imapSession) Delete(name string) error { return s.acct.deleteBox(name) }

func (s *imapSession) Rename(oldName, newName string, _ *imap.RenameOptions) error {
	return s.acct.renameBox(oldName, newName)
}

func (s *imapSession) setSubscribed(name string, on bool) error {
	mb, err := s.acct.box(name)
	if err != nil {
		return err
	}
	mb.mu.Lock()
	defer mb.mu.Unlock()
	mb.subscribed = on
	return s.srv.mail.putBox(mb)
}

func (s *imapSession) Subscribe(name string) error   { return s.setSubscribed(name, true) }
func (s *imapSession) Unsubscribe(name string) error { return s.setSubscribed(name, false) }

func (s *imapSession) List(w *imapserver.ListWriter, ref string, patterns []string, options *imap.ListOptions) error {
	if len(patterns) == 0 {
		return w.WriteList(&imap.ListData{Attrs: []imap.MailboxAttr{imap.MailboxAttrNoSelect}, Delim: mailboxDelim})
	}
	for _, mb := range s.acct.sortedBoxes() {
		mb.mu.Lock()
		name := mb.name
		mb.mu.Unlock()
		match := false
		for _, p := range patterns {
			if imapserver.MatchList(name, mailboxDelim, ref, p) {
				match = true
				break
			}
		}
		if !match {
			continue
		}
		if data := mb.list(options); data != nil {
			if err := w.WriteList(data); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *imapSession) Status(name string, options *imap.StatusOptions) (*imap.StatusData, error) {
	mb, err := s.acct.box(name)
	if err != nil {
		return nil, err
	}
	return mb.status(options), nil
}

func (s *imapSession) Append(name string, r imap.LiteralReader, options *imap.AppendOptions) (*imap.AppendData, error) {
	mb, err := s.acct.box(name)
	if err != nil {
		return nil, noMailbox()
	}
	if r.Size() > s.srv.opts.MaxSize {
		return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeTooBig, Text: "Message too big"}
	}
	return mb.appendLiteral(r, options)
}

func (s *imapSession) Poll(w *imapserver.UpdateWriter, allowExpunge bool) error {
	if s.sel == nil {
		return nil
	}
	return s.sel.tracker.Poll(w, allowExpunge)
}

func (s *imapSession) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	s.mu.Lock()
	sel := s.sel
	s.mu.Unlock()
	if sel == nil {
		<-stop
		return nil
	}
	// Not SessionTracker.Idle: it misses an update queued before it registers.
	for {
		changed := sel.changes()
		if err := sel.tracker.Poll(w, true); err != nil {
			return err
		}
		select {
		case <-changed:
		case <-stop:
			return nil
		}
	}
}

func (s *imapSession) Expunge(w *imapserver.ExpungeWriter, uids *imap.UIDSet) error {
	return s.sel.expunge(uids)
}

func (s *imapSession) Search(kind imapserver.NumKind, c *imap.SearchCriteria, o *imap.SearchOptions) (*imap.SearchData, error) {
	return s.sel.search(kind, c, o)
}

func (s *imapSession) Fetch(w *imapserver.FetchWriter, numSet imap.NumSet, options *imap.FetchOptions) error {
	return s.sel.fetch(w, numSet, options)
}

func (s *imapSession) Store(w *imapserver.FetchWriter, numSet imap.NumSet, flags *imap.StoreFlags, _ *imap.StoreOptions) error {
	return s.sel.store(w, numSet, flags)
}

var errSameMailbox = &imap.Error{Type: imap.StatusResponseTypeNo, Text: "Source and destination mailboxes are identical"}

func (s *imapSession) Copy(numSet imap.NumSet, dest string) (*imap.CopyData, error) {
	dst, err := s.acct.box(dest)
	if err != nil {
		return nil, noMailbox()
	}
	if dst == s.sel.mailbox {
		return nil, errSameMailbox
	}
	var msgs []*message
	s.sel.mu.Lock()
	s.sel.forEachLocked(numSet, func(_ uint32, m *message) { msgs = append(msgs, m.snapshot()) })
	s.sel.mu.Unlock()
	var src, dstUIDs imap.UIDSet
	for _, m := range msgs {
		ad, err := dst.appendBytes(m.buf, m.t, m.flagList())
		if err != nil {
			return nil, err
		}
		src.AddNum(m.uid)
		dstUIDs.AddNum(ad.UID)
	}
	return &imap.CopyData{UIDValidity: dst.uidValidity, SourceUIDs: src, DestUIDs: dstUIDs}, nil
}

func (s *imapSession) Move(w *imapserver.MoveWriter, numSet imap.NumSet, dest string) error {
	dst, err := s.acct.box(dest)
	if err != nil {
		return noMailbox()
	}
	if dst == s.sel.mailbox {
		return errSameMailbox
	}
	// Never hold both mailbox locks: a concurrent MOVE the other way would deadlock.
	type pick struct{ orig, snap *message }
	var picks []pick
	s.sel.mu.Lock()
	s.sel.forEachLocked(numSet, func(_ uint32, m *message) { picks = append(picks, pick{m, m.snapshot()}) })
	s.sel.mu.Unlock()
	var src, dstUIDs imap.UIDSet
	gone := map[*message]struct{}{}
	var firstErr error
	for _, p := range picks {
		ad, err := dst.appendBytes(p.snap.buf, p.snap.t, p.snap.flagList())
		if err != nil {
			firstErr = err
			break
		}
		src.AddNum(p.snap.uid)
		dstUIDs.AddNum(ad.UID)
		gone[p.orig] = struct{}{}
	}
	s.sel.mu.Lock()
	_, err = s.sel.expungeLocked(gone)
	s.sel.mu.Unlock()
	if err := errors.Join(firstErr, err); err != nil {
		return err
	}
	// The EXPUNGE responses reach this session through its tracker, polled before the tagged
	// OK; writing them here as well would announce each removal twice.
	return w.WriteCopyData(&imap.CopyData{UIDValidity: dst.uidValidity, SourceUIDs: src, DestUIDs: dstUIDs})
}
