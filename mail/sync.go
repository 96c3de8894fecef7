package mail

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"comptoir/store"

	"github.com/emersion/go-imap/v2"
)

// syncAll lists the folders, pushes local changes, then synchronises each folder.
func (s *session) syncAll(ctx context.Context) error {
	names, err := s.listFolders()
	if err != nil {
		return err
	}
	if err := s.pushOps(ctx); err != nil {
		return err
	}
	if s.created {
		// A pushed operation created a folder (the journal, the archive): list again.
		s.created = false
		if names, err = s.listFolders(); err != nil {
			return err
		}
	}
	for _, name := range names {
		if err := s.syncFolder(ctx, name); err != nil {
			return err
		}
	}
	s.e.emit(Synced{BAL: s.bal})
	return nil
}

// listFolders lists the folders (SPECIAL-USE) and drops local folders gone from the
// server. Returns the selectable folders, INBOX first.
func (s *session) listFolders() ([]string, error) {
	opts := &imap.ListOptions{}
	if s.caps.Has(imap.CapSpecialUse) {
		opts.ReturnSpecialUse = true
	}
	list, err := s.c.List("", "*", opts).Collect()
	if err != nil {
		return nil, fmt.Errorf("mail: LIST %s: %w", s.bal, err)
	}
	s.folders = map[string]string{}
	var names []string
	for _, l := range list {
		if slices.Contains(l.Attrs, imap.MailboxAttrNoSelect) || slices.Contains(l.Attrs, imap.MailboxAttrNonExistent) {
			continue
		}
		name := l.Mailbox
		if strings.EqualFold(name, "INBOX") {
			name = "INBOX"
		}
		s.folders[name] = specialUse(l.Attrs)
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int {
		if a == "INBOX" {
			return -1
		}
		if b == "INBOX" {
			return 1
		}
		return strings.Compare(a, b)
	})
	local, err := s.e.cfg.Store.Folders(s.bal)
	if err != nil {
		return nil, fmt.Errorf("mail: local folders: %w", err)
	}
	for _, f := range local {
		if _, ok := s.folders[f.Name]; !ok {
			if err := s.e.cfg.Store.DeleteFolder(s.bal, f.Name); err != nil {
				return nil, fmt.Errorf("mail: drop folder %s: %w", f.Name, err)
			}
			s.e.emit(Changed{BAL: s.bal, Folder: f.Name})
		}
	}
	return names, nil
}

func specialUse(attrs []imap.MailboxAttr) string {
	for _, a := range attrs {
		switch a {
		case imap.MailboxAttrSent, imap.MailboxAttrDrafts, imap.MailboxAttrTrash, imap.MailboxAttrJunk,
			imap.MailboxAttrArchive, imap.MailboxAttrAll, imap.MailboxAttrFlagged, imap.MailboxAttrImportant:
			return string(a)
		}
	}
	return ""
}

// folderBySpecialUse finds the folder with the given SPECIAL-USE attribute (or a folder
// with the conventional name when the server announces none).
func (s *session) folderBySpecialUse(attr imap.MailboxAttr, fallback string) string {
	for name, use := range s.folders {
		if use == string(attr) {
			return name
		}
	}
	if _, ok := s.folders[fallback]; ok {
		return fallback
	}
	return ""
}

func (s *session) selectFolder(name string) (*imap.SelectData, error) {
	opts := &imap.SelectOptions{CondStore: s.caps.Has(imap.CapCondStore)}
	sel, err := s.c.Select(name, opts).Wait()
	if err != nil {
		s.selected = ""
		return nil, fmt.Errorf("mail: SELECT %s: %w", name, err)
	}
	s.selected, s.sel = name, sel
	return sel, nil
}

// syncFolder brings one folder of the store up to date: UIDVALIDITY, new messages, flags
// (CONDSTORE CHANGEDSINCE, or every flag when the server lacks CONDSTORE) and expunges.
func (s *session) syncFolder(ctx context.Context, name string) error {
	st := s.e.cfg.Store
	sel, err := s.selectFolder(name)
	if err != nil {
		return err
	}
	f, err := st.Folder(s.bal, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		f = store.Folder{BAL: s.bal, Name: name}
	case err != nil:
		return fmt.Errorf("mail: folder %s: %w", name, err)
	}
	f.SpecialUse = s.folders[name]
	initial := f.UIDNext == 0
	if f.UIDValidity != 0 && f.UIDValidity != sel.UIDValidity {
		s.e.log.Info("UIDVALIDITY changed, refetching folder", "bal", s.bal, "folder", name)
		if err := st.ResetFolder(s.bal, name, sel.UIDValidity); err != nil {
			return fmt.Errorf("mail: reset %s: %w", name, err)
		}
		f.UIDNext, f.HighestModSeq = 0, 0
		s.e.emit(Changed{BAL: s.bal, Folder: name})
	}
	f.UIDValidity = sel.UIDValidity
	from := max(f.UIDNext, 1)
	condstore := s.caps.Has(imap.CapCondStore) && sel.HighestModSeq != 0
	// Without CONDSTORE nothing tells whether flags changed elsewhere (another counter of a
	// shared BAL): they are compared below at every pass.
	upToDate := f.UIDNext == uint32(sel.UIDNext) && condstore && f.HighestModSeq == sel.HighestModSeq
	if upToDate {
		uids, err := st.UIDs(s.bal, name)
		if err != nil {
			return fmt.Errorf("mail: local UIDs %s: %w", name, err)
		}
		if uint32(len(uids)) == sel.NumMessages {
			return nil
		}
	}

	// New messages.
	var newUIDs []uint32
	if sel.NumMessages > 0 && (f.UIDNext == 0 || uint32(sel.UIDNext) > f.UIDNext) {
		uids, err := s.searchUIDs(imap.UIDSet{imap.UIDRange{Start: imap.UID(from), Stop: 0}})
		if err != nil {
			return err
		}
		uids = slices.DeleteFunc(uids, func(u imap.UID) bool { return uint32(u) < from })
		if len(uids) > 0 {
			newUIDs, err = s.fetchNew(ctx, &f, uids)
			if err != nil {
				return err
			}
		}
	}

	// Flags changed elsewhere (on messages known before this pass).
	if !initial && from > 1 {
		if err := s.syncFlags(&f, condstore, from); err != nil {
			return err
		}
	}

	// Expunges: compare the counts, list the server's UIDs only when they differ.
	local, err := st.UIDs(s.bal, name)
	if err != nil {
		return fmt.Errorf("mail: local UIDs %s: %w", name, err)
	}
	if mb := s.c.Mailbox(); mb != nil && uint32(len(local)) != mb.NumMessages {
		server, err := s.searchUIDs(nil)
		if err != nil {
			return err
		}
		on := make(map[uint32]bool, len(server))
		for _, u := range server {
			on[uint32(u)] = true
		}
		var gone []uint32
		for _, u := range local {
			if !on[u] {
				gone = append(gone, u)
			}
		}
		if len(gone) > 0 {
			if err := st.Expunge(s.bal, name, gone); err != nil {
				return fmt.Errorf("mail: expunge %s: %w", name, err)
			}
			s.e.emit(Changed{BAL: s.bal, Folder: name})
		}
	}

	f.UIDNext = max(f.UIDNext, uint32(sel.UIDNext))
	if condstore {
		f.HighestModSeq = sel.HighestModSeq
	}
	if err := st.PutFolder(f); err != nil {
		return fmt.Errorf("mail: save folder %s: %w", name, err)
	}
	if len(newUIDs) > 0 && !initial {
		s.e.emit(NewMail{BAL: s.bal, Folder: name, UIDs: newUIDs})
	}
	return nil
}

// searchUIDs runs UID SEARCH over set (nil: every message).
func (s *session) searchUIDs(set imap.NumSet) ([]imap.UID, error) {
	crit := &imap.SearchCriteria{}
	if set != nil {
		crit.UID = []imap.UIDSet{set.(imap.UIDSet)}
	}
	data, err := s.c.UIDSearch(crit, nil).Wait()
	if err != nil {
		return nil, fmt.Errorf("mail: UID SEARCH %s: %w", s.selected, err)
	}
	return data.AllUIDs(), nil
}

// syncFlags applies to the store the flags changed on the server for UIDs below upTo: with
// CONDSTORE only those changed since the last pass, else every message's flags compared with
// the store.
func (s *session) syncFlags(f *store.Folder, condstore bool, upTo uint32) error {
	if condstore && f.HighestModSeq == s.sel.HighestModSeq {
		return nil
	}
	opts := &imap.FetchOptions{UID: true, Flags: true}
	if condstore && f.HighestModSeq != 0 {
		opts.ChangedSince = f.HighestModSeq
	}
	set := imap.UIDSet{imap.UIDRange{Start: 1, Stop: imap.UID(upTo - 1)}}
	msgs, err := s.collectFetched(s.c.Fetch(set, opts))
	if err != nil {
		s.c.Close()
		return fmt.Errorf("mail: UID FETCH FLAGS %s: %w", f.Name, err)
	}
	var known map[uint32][]string
	if opts.ChangedSince == 0 {
		// No CONDSTORE: compare with what the store has, to write only the differences.
		envs, err := s.e.cfg.Store.Page(s.bal, f.Name, 0, len(msgs)+1000)
		if err != nil {
			return fmt.Errorf("mail: local flags %s: %w", f.Name, err)
		}
		known = make(map[uint32][]string, len(envs))
		for _, e := range envs {
			known[e.UID] = e.Flags
		}
	}
	pending := s.pendingFlags(f.Name)
	changed := false
	for _, m := range msgs {
		flags := m.flags
		if o, ok := pending[m.uid]; ok {
			flags = applyFlagOp(flags, o) // a local change not pushed yet stays shown
		}
		if known != nil {
			old, ok := known[m.uid]
			if !ok || sameFlags(old, flags) {
				continue
			}
		}
		err := s.e.cfg.Store.SetFlags(refOf(s.bal, f.Name, m.uid), flags)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("mail: set flags %s/%d: %w", f.Name, m.uid, err)
		}
		changed = true
	}
	if changed {
		s.e.emit(Changed{BAL: s.bal, Folder: f.Name})
	}
	return nil
}

func flagStrings(fl []imap.Flag) []string {
	out := make([]string, 0, len(fl))
	for _, f := range fl {
		if f == "\\Recent" {
			continue
		}
		out = append(out, string(f))
	}
	slices.Sort(out)
	return out
}

// sameFlags compares two flag lists, case aside (flags and keywords are case-insensitive).
func sameFlags(a, b []string) bool {
	fold := func(l []string) []string {
		out := make([]string, len(l))
		for i, f := range l {
			out[i] = strings.ToLower(f)
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(fold(a), fold(b))
}

var _ = time.Now

// pendingFlags are the flag operations of folder not pushed to the server yet, by UID.
func (s *session) pendingFlags(folder string) map[uint32]op {
	s.e.opsMu.Lock()
	ops, err := s.e.loadOps(s.bal)
	s.e.opsMu.Unlock()
	if err != nil {
		s.e.log.Warn("pending operations", "bal", s.bal, "err", err)
		return nil
	}
	out := map[uint32]op{}
	for _, o := range ops {
		if o.Kind == opFlags && o.Folder == folder {
			out[o.UID] = o
		}
	}
	return out
}

// applyFlagOp is flags once o is applied.
func applyFlagOp(flags []string, o op) []string {
	if o.Flags != nil {
		return slices.Clone(o.Flags)
	}
	out := slices.DeleteFunc(slices.Clone(flags), func(f string) bool { return hasFlag(o.Remove, f) })
	for _, f := range o.Add {
		if !hasFlag(out, f) {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}
