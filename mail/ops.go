package mail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"comptoir/store"

	"github.com/emersion/go-imap/v2"
)

// op is a local change waiting to reach the server: the store already shows it, and it is
// kept in the store's settings until pushed, so it survives being offline and restarts.
type op struct {
	Kind   string   `json:"kind"` // "flags" or "delete"
	Folder string   `json:"folder"`
	UID    uint32   `json:"uid"`
	Flags  []string `json:"flags,omitempty"`
}

const (
	opFlags  = "flags"
	opDelete = "delete"
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
	// A newer flag change on the same message replaces the older one.
	ops = slices.DeleteFunc(ops, func(x op) bool {
		return x.Kind == opFlags && x.Folder == o.Folder && x.UID == o.UID
	})
	if err := e.saveOps(bal, append(ops, o)); err != nil {
		return err
	}
	if w := e.worker(bal); w != nil {
		w.poke(wantOps)
	}
	return nil
}

// SetFlags replaces a message's flags: in the store now, on the server as soon as online.
func (e *Engine) SetFlags(ref store.Ref, flags []string) error {
	flags = slices.DeleteFunc(slices.Clone(flags), func(f string) bool { return f == `\Recent` })
	if err := e.cfg.Store.SetFlags(ref, flags); err != nil {
		return fmt.Errorf("mail: set flags: %w", err)
	}
	return e.queueOp(ref.BAL, op{Kind: opFlags, Folder: ref.Folder, UID: ref.UID, Flags: flags})
}

// MarkRead adds \Seen to a message and records the reading in the audit journal.
func (e *Engine) MarkRead(ref store.Ref) error {
	env, err := e.cfg.Store.Envelope(ref)
	if err != nil {
		return fmt.Errorf("mail: mark read: %w", err)
	}
	e.audit(ref.BAL, ActionRead, fmt.Sprintf("read %s UID %d", ref.Folder, ref.UID), "Message-ID <"+env.MessageID+">", nil)
	if slices.Contains(env.Flags, string(imap.FlagSeen)) {
		return nil
	}
	return e.SetFlags(ref, append(env.Flags, string(imap.FlagSeen)))
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
	done := 0
	for _, o := range ops {
		if _, ok := s.folders[o.Folder]; !ok {
			done++ // the folder is gone: nothing left to change
			continue
		}
		if s.selected != o.Folder {
			if _, err := s.selectFolder(o.Folder); err != nil {
				return err
			}
		}
		uid := imap.UIDSetNum(imap.UID(o.UID))
		var err error
		var req string
		switch o.Kind {
		case opFlags:
			fl := make([]imap.Flag, len(o.Flags))
			for i, f := range o.Flags {
				fl[i] = imap.Flag(f)
			}
			req = fmt.Sprintf("UID STORE %s %d FLAGS.SILENT %v", o.Folder, o.UID, o.Flags)
			s.rec.start()
			err = s.c.Store(uid, &imap.StoreFlags{Op: imap.StoreFlagsSet, Silent: true, Flags: fl}, nil).Close()
			s.e.audit(s.bal, ActionFlags, req, s.rec.stop(), err)
		case opDelete:
			err = s.deleteOnServer(uid, o.Folder, trash)
		}
		if err != nil {
			s.dropDone(done)
			return err
		}
		done++
	}
	return s.dropDone(done)
}

// dropDone removes the first n pushed operations from the pending list (new ones may have
// been queued meanwhile).
func (s *session) dropDone(n int) error {
	s.e.opsMu.Lock()
	defer s.e.opsMu.Unlock()
	ops, err := s.e.loadOps(s.bal)
	if err != nil {
		return err
	}
	return s.e.saveOps(s.bal, ops[min(n, len(ops)):])
}

func (s *session) deleteOnServer(uid imap.UIDSet, folder, trash string) error {
	var err error
	var req string
	var resps []string
	// step runs one command and keeps the server's response to it.
	step := func(cmd func() error) error {
		s.rec.start()
		err := cmd()
		if r := s.rec.stop(); r != "" {
			resps = append(resps, r)
		}
		return err
	}
	switch {
	case trash != "" && folder != trash && s.caps.Has(imap.CapMove):
		req = fmt.Sprintf("UID MOVE %s %v %s", folder, uid, trash)
		err = step(func() error { _, err := s.c.Move(uid, trash).Wait(); return err })
	default:
		if trash != "" && folder != trash {
			req = fmt.Sprintf("UID COPY %s %v %s + ", folder, uid, trash)
			if err = step(func() error { _, err := s.c.Copy(uid, trash).Wait(); return err }); err != nil {
				break
			}
		}
		req += fmt.Sprintf("UID STORE %s %v +FLAGS \\Deleted, EXPUNGE", folder, uid)
		if err = step(func() error {
			return s.c.Store(uid, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close()
		}); err != nil {
			break
		}
		err = step(func() error {
			if s.caps.Has(imap.CapUIDPlus) {
				return s.c.UIDExpunge(uid).Close()
			}
			return s.c.Expunge().Close()
		})
	}
	s.e.audit(s.bal, ActionDelete, req, strings.Join(resps, "; "), err)
	return err
}
