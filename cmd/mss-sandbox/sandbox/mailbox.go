package sandbox

// The IMAP mailbox model follows go-imap's imapmemserver (MIT licence), with every change
// written through to the mail store.

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
)

type mailbox struct {
	acct        *account
	id          uint64
	tracker     *imapserver.MailboxTracker
	uidValidity uint32

	mu         sync.Mutex
	name       string
	subscribed bool
	specialUse imap.MailboxAttr
	l          []*message
	uidNext    imap.UID
	changed    chan struct{} // closed (and replaced) at every change; see changes
}

func newMailbox(a *account, id uint64, m boxMeta) *mailbox {
	return &mailbox{
		acct: a, id: id, tracker: imapserver.NewMailboxTracker(0), uidValidity: m.UIDValidity,
		name: m.Name, subscribed: m.Subscribed, specialUse: m.SpecialUse, uidNext: imap.UID(max(m.UIDNext, 1)),
		changed: make(chan struct{}),
	}
}

// changes returns a channel closed at the mailbox's next change. IDLE takes it before
// flushing the pending updates, so no change can slip between the two.
func (mb *mailbox) changes() <-chan struct{} {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	return mb.changed
}

func (mb *mailbox) signalLocked() {
	close(mb.changed)
	mb.changed = make(chan struct{})
}

// flagsChangedLocked persists the flags of changed and wakes the mailbox's watchers.
func (mb *mailbox) flagsChangedLocked(changed []*message) error {
	err := mb.acct.store.putFlags(mb.id, changed)
	if len(changed) > 0 {
		mb.signalLocked()
	}
	if err != nil {
		return fmt.Errorf("sandbox: store flags: %w", err)
	}
	return nil
}

func (mb *mailbox) list(options *imap.ListOptions) *imap.ListData {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	if options.SelectSubscribed && !mb.subscribed {
		return nil
	}
	if options.SelectSpecialUse && mb.specialUse == "" {
		return nil
	}
	data := imap.ListData{Mailbox: mb.name, Delim: mailboxDelim}
	if mb.subscribed {
		data.Attrs = append(data.Attrs, imap.MailboxAttrSubscribed)
	}
	if mb.specialUse != "" {
		// Always shown: clients that did not ask for it still benefit (RFC 6154 allows it).
		data.Attrs = append(data.Attrs, mb.specialUse)
	}
	if options.ReturnStatus != nil {
		data.Status = mb.statusLocked(options.ReturnStatus)
	}
	return &data
}

func (mb *mailbox) status(options *imap.StatusOptions) *imap.StatusData {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	return mb.statusLocked(options)
}

func (mb *mailbox) statusLocked(options *imap.StatusOptions) *imap.StatusData {
	data := imap.StatusData{Mailbox: mb.name}
	if options.NumMessages {
		n := uint32(len(mb.l))
		data.NumMessages = &n
	}
	if options.UIDNext {
		data.UIDNext = mb.uidNext
	}
	if options.UIDValidity {
		data.UIDValidity = mb.uidValidity
	}
	if options.NumUnseen {
		n := uint32(len(mb.l)) - mb.countFlagLocked(imap.FlagSeen)
		data.NumUnseen = &n
	}
	if options.NumDeleted {
		n := mb.countFlagLocked(imap.FlagDeleted)
		data.NumDeleted = &n
	}
	if options.Size {
		var size int64
		for _, m := range mb.l {
			size += int64(len(m.buf))
		}
		data.Size = &size
	}
	if options.NumRecent {
		n := uint32(0)
		data.NumRecent = &n
	}
	return &data
}

func (mb *mailbox) countFlagLocked(flag imap.Flag) uint32 {
	var n uint32
	for _, m := range mb.l {
		if _, ok := m.flags[canonicalFlag(flag)]; ok {
			n++
		}
	}
	return n
}

// appendBytes stores a new message and notifies the sessions that selected the mailbox.
func (mb *mailbox) appendBytes(buf []byte, t time.Time, flags []imap.Flag) (*imap.AppendData, error) {
	if t.IsZero() {
		t = time.Now()
	}
	msg := &message{buf: buf, t: t, flags: map[imap.Flag]struct{}{}}
	for _, f := range flags {
		msg.flags[canonicalFlag(f)] = struct{}{}
	}
	mb.mu.Lock()
	defer mb.mu.Unlock()
	msg.uid = mb.uidNext
	mb.uidNext++
	if err := mb.acct.store.putMessage(mb, msg); err != nil {
		mb.uidNext--
		return nil, fmt.Errorf("sandbox: store message: %w", err)
	}
	mb.l = append(mb.l, msg)
	mb.tracker.QueueNumMessages(uint32(len(mb.l)))
	mb.signalLocked()
	return &imap.AppendData{UIDValidity: mb.uidValidity, UID: msg.uid}, nil
}

func (mb *mailbox) appendLiteral(r io.Reader, options *imap.AppendOptions) (*imap.AppendData, error) {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, err
	}
	return mb.appendBytes(buf.Bytes(), options.Time, options.Flags)
}

func (mb *mailbox) selectDataLocked() *imap.SelectData {
	set := map[imap.Flag]struct{}{imap.FlagSeen: {}, imap.FlagAnswered: {}, imap.FlagFlagged: {}, imap.FlagDeleted: {}, imap.FlagDraft: {}}
	for _, m := range mb.l {
		for f := range m.flags {
			set[f] = struct{}{}
		}
	}
	flags := make([]imap.Flag, 0, len(set))
	for f := range set {
		flags = append(flags, f)
	}
	sort.Slice(flags, func(i, j int) bool { return flags[i] < flags[j] })
	perm := append(append([]imap.Flag(nil), flags...), imap.FlagWildcard)
	var firstUnseen uint32
	for i, m := range mb.l {
		if _, ok := m.flags[canonicalFlag(imap.FlagSeen)]; !ok {
			firstUnseen = uint32(i) + 1
			break
		}
	}
	return &imap.SelectData{
		Flags: flags, PermanentFlags: perm, NumMessages: uint32(len(mb.l)),
		FirstUnseenSeqNum: firstUnseen, UIDNext: mb.uidNext, UIDValidity: mb.uidValidity,
	}
}

// expungeLocked removes msgs, notifies trackers and returns the sequence numbers, highest first.
func (mb *mailbox) expungeLocked(expunged map[*message]struct{}) ([]uint32, error) {
	var gone []*message
	for m := range expunged {
		gone = append(gone, m)
	}
	if err := mb.acct.store.deleteMessages(mb.id, gone); err != nil {
		return nil, fmt.Errorf("sandbox: expunge: %w", err)
	}
	var seqNums []uint32
	filtered := make([]*message, 0, len(mb.l))
	for i := len(mb.l) - 1; i >= 0; i-- {
		if _, ok := expunged[mb.l[i]]; ok {
			seq := uint32(i) + 1
			seqNums = append(seqNums, seq)
			mb.tracker.QueueExpunge(seq)
		}
	}
	for _, m := range mb.l {
		if _, ok := expunged[m]; !ok {
			filtered = append(filtered, m)
		}
	}
	mb.l = filtered
	if len(seqNums) > 0 {
		mb.signalLocked()
	}
	return seqNums, nil
}

// raws returns copies of the raw messages in UID order.
func (mb *mailbox) raws() [][]byte {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	out := make([][]byte, len(mb.l))
	for i, m := range mb.l {
		out[i] = m.buf // never modified after append
	}
	return out
}

// view is one session's view of a selected mailbox, with its own pending updates.
type view struct {
	*mailbox
	tracker   *imapserver.SessionTracker
	searchRes imap.UIDSet
	readOnly  bool // EXAMINE: no implicit \Seen, no STORE/EXPUNGE (the library does not forbid them)
}

var errReadOnly = &imap.Error{Type: imap.StatusResponseTypeNo, Code: "READ-ONLY", Text: "Mailbox opened with EXAMINE"}

func (mb *mailbox) newView() *view {
	return &view{mailbox: mb, tracker: mb.tracker.NewSession()}
}

func (v *view) close() { v.tracker.Close() }

func (v *view) expunge(uids *imap.UIDSet) error {
	if v.readOnly {
		return errReadOnly
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	gone := map[*message]struct{}{}
	for _, m := range v.l {
		if uids != nil && !uids.Contains(m.uid) {
			continue
		}
		if _, ok := m.flags[canonicalFlag(imap.FlagDeleted)]; ok {
			gone[m] = struct{}{}
		}
	}
	if len(gone) == 0 {
		return nil
	}
	_, err := v.expungeLocked(gone)
	return err
}

func (v *view) fetch(w *imapserver.FetchWriter, numSet imap.NumSet, options *imap.FetchOptions) error {
	markSeen := false
	for _, bs := range options.BodySection {
		if !bs.Peek {
			markSeen = true
			break
		}
	}
	if v.readOnly {
		markSeen = false
	}
	// Pick the messages (and set \Seen) under the lock, write the responses without it: a
	// slow reader must not block deliveries into the mailbox.
	type item struct {
		seq uint32
		msg *message
	}
	var items []item
	var changed []*message
	v.mu.Lock()
	v.forEachLocked(numSet, func(seq uint32, m *message) {
		if markSeen {
			if _, ok := m.flags[canonicalFlag(imap.FlagSeen)]; !ok {
				m.flags[canonicalFlag(imap.FlagSeen)] = struct{}{}
				changed = append(changed, m)
				v.mailbox.tracker.QueueMessageFlags(seq, m.uid, m.flagList(), nil)
			}
		}
		items = append(items, item{v.tracker.EncodeSeqNum(seq), m.snapshot()})
	})
	err := v.flagsChangedLocked(changed)
	v.mu.Unlock()
	if err != nil {
		return err
	}
	for _, it := range items {
		if err := it.msg.fetch(w.CreateMessage(it.seq), options); err != nil {
			return err
		}
	}
	return nil
}

func (v *view) search(kind imapserver.NumKind, criteria *imap.SearchCriteria, options *imap.SearchOptions) (*imap.SearchData, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.staticCriteria(criteria)
	var (
		data   imap.SearchData
		seqSet imap.SeqSet
		uidSet imap.UIDSet
	)
	for i, m := range v.l {
		seq := v.tracker.EncodeSeqNum(uint32(i) + 1)
		if !m.search(seq, criteria) {
			continue
		}
		uidSet.AddNum(m.uid)
		var num uint32
		switch kind {
		case imapserver.NumKindSeq:
			if seq == 0 {
				continue
			}
			seqSet.AddNum(seq)
			num = seq
		case imapserver.NumKindUID:
			num = uint32(m.uid)
		}
		if data.Min == 0 || num < data.Min {
			data.Min = num
		}
		if num > data.Max {
			data.Max = num
		}
		data.Count++
	}
	if kind == imapserver.NumKindSeq {
		data.All = seqSet
	} else {
		data.All = uidSet
	}
	if options.ReturnSave {
		v.searchRes = uidSet
	}
	return &data, nil
}

func (v *view) staticCriteria(c *imap.SearchCriteria) {
	seqs := make([]imap.SeqSet, 0, len(c.SeqNum))
	for _, s := range c.SeqNum {
		switch ns := v.staticNumSet(s).(type) {
		case imap.SeqSet:
			seqs = append(seqs, ns)
		case imap.UIDSet:
			c.UID = append(c.UID, ns)
		}
	}
	c.SeqNum = seqs
	for i, u := range c.UID {
		c.UID[i] = v.staticNumSet(u).(imap.UIDSet)
	}
	for i := range c.Not {
		v.staticCriteria(&c.Not[i])
	}
	for i := range c.Or {
		v.staticCriteria(&c.Or[i][0])
		v.staticCriteria(&c.Or[i][1])
	}
}

func (v *view) store(w *imapserver.FetchWriter, numSet imap.NumSet, flags *imap.StoreFlags) error {
	if v.readOnly {
		return errReadOnly
	}
	v.mu.Lock()
	var changed []*message
	v.forEachLocked(numSet, func(seq uint32, m *message) {
		m.store(flags)
		changed = append(changed, m)
		v.mailbox.tracker.QueueMessageFlags(seq, m.uid, m.flagList(), v.tracker)
	})
	err := v.flagsChangedLocked(changed)
	v.mu.Unlock()
	if err != nil {
		return err
	}
	if !flags.Silent {
		return v.fetch(w, numSet, &imap.FetchOptions{Flags: true})
	}
	return nil
}

func (v *view) forEachLocked(numSet imap.NumSet, f func(seq uint32, m *message)) {
	numSet = v.staticNumSet(numSet)
	for i, m := range v.l {
		seq := uint32(i) + 1
		var ok bool
		switch ns := numSet.(type) {
		case imap.SeqSet:
			s := v.tracker.EncodeSeqNum(seq)
			ok = s != 0 && ns.Contains(s)
		case imap.UIDSet:
			ok = ns.Contains(m.uid)
		}
		if ok {
			f(seq, m)
		}
	}
}

// staticNumSet resolves "*" and the SEARCHRES marker "$".
func (v *view) staticNumSet(numSet imap.NumSet) imap.NumSet {
	if imap.IsSearchRes(numSet) {
		return v.searchRes
	}
	switch ns := numSet.(type) {
	case imap.SeqSet:
		top := uint32(len(v.l))
		for i := range ns {
			staticRange(&ns[i].Start, &ns[i].Stop, top)
		}
	case imap.UIDSet:
		top := uint32(v.uidNext) - 1
		for i := range ns {
			staticRange((*uint32)(&ns[i].Start), (*uint32)(&ns[i].Stop), top)
		}
	}
	return numSet
}

func staticRange(start, stop *uint32, top uint32) {
	dyn := false
	if *start == 0 {
		*start, dyn = top, true
	}
	if *stop == 0 {
		*stop, dyn = top, true
	}
	if dyn && *start > *stop {
		*start, *stop = *stop, *start
	}
}
