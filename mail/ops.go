package mail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"comptoir/store"

	"github.com/emersion/go-imap/v2"
)

// op is a local change waiting to reach the server: the store already shows it, and it is
// kept in the store's settings until pushed, so it survives being offline and restarts.
type op struct {
	Kind   string `json:"kind"` // "flags", "delete", "archive" or "append"
	Folder string `json:"folder"`
	UID    uint32 `json:"uid,omitempty"`
	// Flags replaces every flag (operations queued by older versions); Add and Remove
	// change only the flags named, so that a change made at another counter in the meantime
	// (a shared BAL) is kept.
	Flags  []string `json:"flags,omitempty"`
	Add    []string `json:"add,omitempty"`
	Remove []string `json:"remove,omitempty"`
	// Raw is the message an "append" adds to Folder (created when missing).
	Raw []byte `json:"raw,omitempty"`
}

const (
	opFlags   = "flags"
	opDelete  = "delete"
	opArchive = "archive"
	opAppend  = "append"
)

func opsKey(bal string) string { return store.KeyPendingOps(bal) }

func (e *Engine) loadOps(bal string) ([]op, error) {
	b, err := e.cfg.Store.Setting(opsKey(bal))
	if errors.Is(err, store.ErrNotFound) || len(b) == 0 {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("mail: pending operations: %w", err)
	}
	var ops []op
	if err := json.Unmarshal(b, &ops); err != nil {
		return nil, fmt.Errorf("mail: pending operations: %w", err)
	}
	return ops, nil
}

func (e *Engine) saveOps(bal string, ops []op) error {
	b, err := json.Marshal(ops)
	if err != nil {
		return err
	}
	if err := e.cfg.Store.SetSetting(opsKey(bal), b); err != nil {
		return fmt.Errorf("mail: save pending operations: %w", err)
	}
	return nil
}

func (e *Engine) queueOp(bal string, o op) error {
	e.opsMu.Lock()
	defer e.opsMu.Unlock()
	ops, err := e.loadOps(bal)
	if err != nil {
		return err
	}
	if o.Kind == opFlags {
		// A newer flag change on the same message is merged into the older one.
		for i, x := range ops {
			if x.Kind == opFlags && x.Folder == o.Folder && x.UID == o.UID {
				o = mergeFlagOps(x, o)
				ops = slices.Delete(ops, i, i+1)
				break
			}
		}
	}
	if err := e.saveOps(bal, append(ops, o)); err != nil {
		return err
	}
	if w := e.worker(bal); w != nil {
		w.poke(wantOps)
	}
	return nil
}

// mergeFlagOps is older then newer as one operation.
func mergeFlagOps(older, newer op) op {
	if newer.Flags != nil {
		return newer
	}
	if older.Flags != nil {
		set := slices.DeleteFunc(slices.Clone(older.Flags), func(f string) bool { return hasFlag(newer.Remove, f) })
		for _, f := range newer.Add {
			if !hasFlag(set, f) {
				set = append(set, f)
			}
		}
		older.Flags = set
		return older
	}
	add := slices.DeleteFunc(slices.Clone(older.Add), func(f string) bool { return hasFlag(newer.Remove, f) })
	rem := slices.DeleteFunc(slices.Clone(older.Remove), func(f string) bool { return hasFlag(newer.Add, f) })
	for _, f := range newer.Add {
		if !hasFlag(add, f) {
			add = append(add, f)
		}
	}
	for _, f := range newer.Remove {
		if !hasFlag(rem, f) {
			rem = append(rem, f)
		}
	}
	return op{Kind: opFlags, Folder: newer.Folder, UID: newer.UID, Add: add, Remove: rem}
}

// hasFlag reports whether flags holds f (flags and keywords are case-insensitive).
func hasFlag(flags []string, f string) bool {
	return slices.ContainsFunc(flags, func(x string) bool { return strings.EqualFold(x, f) })
}

// SetFlags gives a message the flags given: in the store now, on the server as soon as
// online. Only the flags that differ from the store's are sent (+FLAGS/-FLAGS), so that
// what another counter changed meanwhile on a shared BAL is kept.
func (e *Engine) SetFlags(ref store.Ref, flags []string) error {
	env, err := e.cfg.Store.Envelope(ref)
	if err != nil {
		return fmt.Errorf("mail: set flags: %w", err)
	}
	var add, remove []string
	for _, f := range flags {
		if !hasFlag(env.Flags, f) && !strings.EqualFold(f, `\Recent`) && !hasFlag(add, f) {
			add = append(add, f)
		}
	}
	for _, f := range env.Flags {
		if !hasFlag(flags, f) && !strings.EqualFold(f, `\Recent`) {
			remove = append(remove, f)
		}
	}
	return e.ChangeFlags(ref, add, remove)
}

// ChangeFlags adds and removes flags on a message: in the store now, on the server as soon
// as online, as a change (UID STORE +FLAGS / -FLAGS) rather than a replacement.
func (e *Engine) ChangeFlags(ref store.Ref, add, remove []string) error {
	if len(add) == 0 && len(remove) == 0 {
		return nil
	}
	env, err := e.cfg.Store.Envelope(ref)
	if err != nil {
		return fmt.Errorf("mail: change flags: %w", err)
	}
	flags := slices.DeleteFunc(slices.Clone(env.Flags), func(f string) bool {
		return hasFlag(remove, f) || strings.EqualFold(f, `\Recent`)
	})
	for _, f := range add {
		if !hasFlag(flags, f) {
			flags = append(flags, f)
		}
	}
	if err := e.cfg.Store.SetFlags(ref, flags); err != nil {
		return fmt.Errorf("mail: change flags: %w", err)
	}
	e.emit(Changed{BAL: ref.BAL, Folder: ref.Folder})
	return e.queueOp(ref.BAL, op{Kind: opFlags, Folder: ref.Folder, UID: ref.UID, Add: add, Remove: remove})
}

// MarkRead adds \Seen to a message and records the reading in the audit journal.
func (e *Engine) MarkRead(ref store.Ref) error {
	env, err := e.cfg.Store.Envelope(ref)
	if err != nil {
		return fmt.Errorf("mail: mark read: %w", err)
	}
	e.audit(ref.BAL, ActionRead, fmt.Sprintf("read %s UID %d", ref.Folder, ref.UID), "Message-ID <"+env.MessageID+">", nil)
	if hasFlag(env.Flags, string(imap.FlagSeen)) {
		return nil
	}
	return e.ChangeFlags(ref, []string{string(imap.FlagSeen)}, nil)
}

// MarkUnread removes \Seen from a message (« marquer comme non lu »).
func (e *Engine) MarkUnread(ref store.Ref) error {
	return e.ChangeFlags(ref, nil, []string{string(imap.FlagSeen)})
}

// Delete moves a message to Trash (or expunges it when it is in Trash already): removed from
// the store now, on the server as soon as online.
func (e *Engine) Delete(ref store.Ref) error {
	if err := e.cfg.Store.Expunge(ref.BAL, ref.Folder, []uint32{ref.UID}); err != nil {
		return fmt.Errorf("mail: delete: %w", err)
	}
	e.emit(Changed{BAL: ref.BAL, Folder: ref.Folder})
	return e.queueOp(ref.BAL, op{Kind: opDelete, Folder: ref.Folder, UID: ref.UID})
}

// Archive moves a message to the BAL's archive folder (SPECIAL-USE \Archive, created as
// "Archives" when the server has none): removed from its folder in the store now, moved on
// the server as soon as online; the next pass brings it into the archive folder.
func (e *Engine) Archive(ref store.Ref) error {
	if err := e.cfg.Store.Expunge(ref.BAL, ref.Folder, []uint32{ref.UID}); err != nil {
		return fmt.Errorf("mail: archive: %w", err)
	}
	e.emit(Changed{BAL: ref.BAL, Folder: ref.Folder})
	return e.queueOp(ref.BAL, op{Kind: opArchive, Folder: ref.Folder, UID: ref.UID})
}

// AppendTo adds raw to folder (created when missing) on the server as soon as online,
// flagged \Seen; the next pass brings it into the store. The session writes its journal of
// handled messages this way.
func (e *Engine) AppendTo(bal, folder string, raw []byte) error {
	if folder == "" || len(raw) == 0 {
		return errors.New("mail: append: folder and message are required")
	}
	return e.queueOp(bal, op{Kind: opAppend, Folder: folder, Raw: raw})
}

// pushOps sends the pending local changes to the server, oldest first.
func (s *session) pushOps(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.e.opsMu.Lock()
	ops, err := s.e.loadOps(s.bal)
	s.e.opsMu.Unlock()
	if err != nil || len(ops) == 0 {
		return err
	}
	trash := s.folderBySpecialUse(imap.MailboxAttrTrash, "Trash")
	var done []op
	for _, o := range ops {
		if o.Kind == opAppend {
			if err := s.appendOp(o); err != nil {
				s.dropDone(done)
				return err
			}
			done = append(done, o)
			continue
		}
		if _, ok := s.folders[o.Folder]; !ok {
			done = append(done, o) // the folder is gone: nothing left to change
			continue
		}
		if s.selected != o.Folder {
			if _, err := s.selectFolder(o.Folder); err != nil {
				return err
			}
		}
		uid := imap.UIDSetNum(imap.UID(o.UID))
		var err error
		switch o.Kind {
		case opFlags:
			err = s.storeFlags(uid, o)
		case opDelete:
			err = s.deleteOnServer(uid, o.Folder, trash)
		case opArchive:
			var archive string
			if archive, err = s.archiveFolder(); err == nil {
				err = s.moveOnServer(uid, o.Folder, archive)
			}
		}
		if err != nil {
			s.dropDone(done)
			return err
		}
		if s.e.afterPush != nil {
			s.e.afterPush(o)
		}
		done = append(done, o)
	}
	return s.dropDone(done)
}

// storeFlags sends one flag operation: a replacement (older operations) or a change.
func (s *session) storeFlags(uid imap.UIDSet, o op) error {
	flags := func(fs []string) []imap.Flag {
		out := make([]imap.Flag, len(fs))
		for i, f := range fs {
			out[i] = imap.Flag(f)
		}
		return out
	}
	if o.Flags != nil {
		req := fmt.Sprintf("UID STORE %s %d FLAGS.SILENT %v", o.Folder, o.UID, o.Flags)
		s.rec.start()
		err := s.c.Store(uid, &imap.StoreFlags{Op: imap.StoreFlagsSet, Silent: true, Flags: flags(o.Flags)}, nil).Close()
		s.e.audit(s.bal, ActionFlags, req, s.rec.stop(), err)
		return err
	}
	if len(o.Add) > 0 {
		req := fmt.Sprintf("UID STORE %s %d +FLAGS.SILENT %v", o.Folder, o.UID, o.Add)
		s.rec.start()
		err := s.c.Store(uid, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: flags(o.Add)}, nil).Close()
		s.e.audit(s.bal, ActionFlags, req, s.rec.stop(), err)
		if err != nil {
			return err
		}
	}
	if len(o.Remove) > 0 {
		req := fmt.Sprintf("UID STORE %s %d -FLAGS.SILENT %v", o.Folder, o.UID, o.Remove)
		s.rec.start()
		err := s.c.Store(uid, &imap.StoreFlags{Op: imap.StoreFlagsDel, Silent: true, Flags: flags(o.Remove)}, nil).Close()
		s.e.audit(s.bal, ActionFlags, req, s.rec.stop(), err)
		return err
	}
	return nil
}

// dropDone removes the pushed operations from the pending list. One queued meanwhile
// stays, and so does one a newer change was merged into meanwhile: it no longer equals
// what was pushed, and carries a change the server has not seen. (An operation equal to a
// pushed one asks for a state the server now has: flags, deletions and moves are
// idempotent, and appends differ by their Message-ID.)
func (s *session) dropDone(pushed []op) error {
	if len(pushed) == 0 {
		return nil
	}
	s.e.opsMu.Lock()
	defer s.e.opsMu.Unlock()
	ops, err := s.e.loadOps(s.bal)
	if err != nil {
		return err
	}
	for _, p := range pushed {
		// Both lists come from loadOps, so equal operations are deeply equal, whatever
		// fields op gains.
		if i := slices.IndexFunc(ops, func(o op) bool { return reflect.DeepEqual(o, p) }); i >= 0 {
			ops = slices.Delete(ops, i, i+1)
		}
	}
	return s.e.saveOps(s.bal, ops)
}

func (s *session) deleteOnServer(uid imap.UIDSet, folder, trash string) error {
	if trash != "" && folder != trash {
		return s.moveOnServer(uid, folder, trash)
	}
	var resps []string
	req := fmt.Sprintf("UID STORE %s %v +FLAGS \\Deleted, EXPUNGE", folder, uid)
	err := s.expungeOnServer(uid, &resps)
	s.e.audit(s.bal, ActionDelete, req, strings.Join(resps, "; "), err)
	return err
}

// step runs one command and keeps the server's response to it (the audit journal's).
func (s *session) step(resps *[]string, cmd func() error) error {
	s.rec.start()
	err := cmd()
	if r := s.rec.stop(); r != "" {
		*resps = append(*resps, r)
	}
	return err
}

// moveOnServer moves uid from folder to dest: MOVE, else COPY then expunge.
func (s *session) moveOnServer(uid imap.UIDSet, folder, dest string) error {
	var err error
	var req string
	var resps []string
	if s.caps.Has(imap.CapMove) {
		req = fmt.Sprintf("UID MOVE %s %v %s", folder, uid, dest)
		err = s.step(&resps, func() error { _, err := s.c.Move(uid, dest).Wait(); return err })
	} else {
		req = fmt.Sprintf("UID COPY %s %v %s + UID STORE +FLAGS \\Deleted, EXPUNGE", folder, uid, dest)
		if err = s.step(&resps, func() error { _, err := s.c.Copy(uid, dest).Wait(); return err }); err == nil {
			err = s.expungeOnServer(uid, &resps)
		}
	}
	s.e.audit(s.bal, ActionDelete, req, strings.Join(resps, "; "), err)
	return err
}

func (s *session) expungeOnServer(uid imap.UIDSet, resps *[]string) error {
	if err := s.step(resps, func() error {
		return s.c.Store(uid, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close()
	}); err != nil {
		return err
	}
	return s.step(resps, func() error {
		if s.caps.Has(imap.CapUIDPlus) {
			return s.c.UIDExpunge(uid).Close()
		}
		return s.c.Expunge().Close()
	})
}

// archiveFolder is the BAL's \Archive folder, created ("Archives") when the server has none.
func (s *session) archiveFolder() (string, error) {
	if name := s.folderBySpecialUse(imap.MailboxAttrArchive, "Archives"); name != "" {
		return name, nil
	}
	const name = "Archives"
	if err := s.createFolder(name, imap.MailboxAttrArchive); err != nil {
		return "", err
	}
	return name, nil
}

// createFolder creates a folder (with its special use when the server can), and takes
// "already exists" as done: another counter may have created it meanwhile.
func (s *session) createFolder(name string, use imap.MailboxAttr) error {
	var opts *imap.CreateOptions
	if use != "" && s.caps.Has(imap.CapCreateSpecialUse) {
		opts = &imap.CreateOptions{SpecialUse: []imap.MailboxAttr{use}}
	}
	s.rec.start()
	err := s.c.Create(name, opts).Wait()
	s.rec.stop()
	var ie *imap.Error
	if errors.As(err, &ie) && ie.Code == imap.ResponseCodeAlreadyExists {
		err = nil
	}
	if err != nil {
		return fmt.Errorf("mail: CREATE %s: %w", name, err)
	}
	s.folders[name] = string(use)
	s.created = true
	return nil
}

// appendOp adds an "append" operation's message to its folder, creating it when missing.
func (s *session) appendOp(o op) error {
	if _, ok := s.folders[o.Folder]; !ok {
		if err := s.createFolder(o.Folder, ""); err != nil {
			return err
		}
	}
	s.rec.start()
	cmd := s.c.Append(o.Folder, int64(len(o.Raw)), &imap.AppendOptions{Flags: []imap.Flag{imap.FlagSeen}, Time: time.Now()})
	_, werr := cmd.Write(o.Raw)
	cerr := cmd.Close()
	_, err := cmd.Wait()
	err = errors.Join(werr, cerr, err)
	s.e.audit(s.bal, ActionFlags, fmt.Sprintf("APPEND %s (%d bytes)", o.Folder, len(o.Raw)), s.rec.stop(), err)
	if err != nil {
		return fmt.Errorf("mail: APPEND to %s: %w", o.Folder, err)
	}
	return nil
}
