package store

import (
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// SetFlags replaces a message's flags.
func (s *Store) SetFlags(ref Ref, flags []string) error {
	err := s.update(func(tx *bolt.Tx, k *sealKeys) error {
		m := newMsgTx(tx, k)
		mk := msgKey(m.fid(ref.BAL, ref.Folder), ref.UID)
		rec, err := m.record(mk)
		if err != nil {
			return err
		}
		if rec == nil {
			return ErrNotFound
		}
		fr, err := m.folder(ref.BAL, ref.Folder, true)
		if err != nil {
			return err
		}
		if unread(rec.Env.Flags) {
			fr.Unread--
		}
		rec.Env.Flags = slices.Clone(flags)
		if unread(flags) {
			fr.Unread++
		}
		if err := m.msgs.putMsg(mk, rec); err != nil {
			return err
		}
		return m.saveFolders()
	})
	if err != nil {
		return fmt.Errorf("store: set flags %s/%s/%d: %w", ref.BAL, ref.Folder, ref.UID, err)
	}
	return nil
}

// Expunge removes messages from a folder; unknown UIDs are ignored.
func (s *Store) Expunge(bal, folder string, uids []uint32) error {
	err := s.update(func(tx *bolt.Tx, k *sealKeys) error {
		m := newMsgTx(tx, k)
		fid := m.fid(bal, folder)
		for _, uid := range uids {
			rec, err := m.record(msgKey(fid, uid))
			if err != nil {
				return err
			}
			if rec == nil {
				continue
			}
			if err := m.remove(fid, rec, false, false); err != nil {
				return err
			}
		}
		return m.saveFolders()
	})
	if err != nil {
		return fmt.Errorf("store: expunge %s/%s: %w", bal, folder, err)
	}
	return nil
}

// Move moves a message to another folder of the same BAL under its new UID, keeping body
// (whole or streamed), text and search entries. A streamed body is re-sealed for its new
// key within the transaction, which holds it in memory until the commit.
func (s *Store) Move(ref Ref, toFolder string, newUID uint32) error {
	to := Ref{BAL: ref.BAL, Folder: toFolder, UID: newUID}
	if err := checkRef(to); err != nil {
		return err
	}
	if to == ref {
		return nil
	}
	err := s.update(func(tx *bolt.Tx, k *sealKeys) error {
		m := newMsgTx(tx, k)
		fid := m.fid(ref.BAL, ref.Folder)
		mk := msgKey(fid, ref.UID)
		rec, err := m.record(mk)
		if err != nil {
			return err
		}
		if rec == nil {
			return ErrNotFound
		}
		body, err := m.bodies.getBytes(mk)
		if err != nil {
			return err
		}
		text, err := m.texts.getBytes(mk)
		if err != nil {
			return err
		}
		toFid := m.fid(to.BAL, to.Folder)
		if old, err := m.record(msgKey(toFid, to.UID)); err != nil {
			return err
		} else if old != nil {
			if err := m.remove(toFid, old, false, false); err != nil {
				return err
			}
		}
		if err := moveChunks(tx, k, mk, msgKey(toFid, to.UID)); err != nil {
			return err
		}
		if err := m.remove(fid, rec, true, false); err != nil {
			return err
		}
		e := rec.Env
		e.Ref = to
		doc := rec.Doc
		if doc == 0 {
			e.Text = string(text)
		}
		if err := m.insert(e, body, text, doc, nil); err != nil {
			return err
		}
		return m.finish()
	})
	if err != nil {
		return fmt.Errorf("store: move %s/%s/%d to %s: %w", ref.BAL, ref.Folder, ref.UID, toFolder, err)
	}
	return nil
}

// ResetFolder drops a folder's messages after its UIDVALIDITY changed and records the new one.
func (s *Store) ResetFolder(bal, folder string, uidValidity uint32) error {
	err := s.update(func(tx *bolt.Tx, k *sealKeys) error {
		m := newMsgTx(tx, k)
		if err := m.clearFolder(bal, folder); err != nil {
			return err
		}
		fr, err := m.folder(bal, folder, true)
		if err != nil {
			return err
		}
		fr.Folder.UIDValidity, fr.Folder.UIDNext, fr.Folder.HighestModSeq = uidValidity, 0, 0
		fr.Total, fr.Unread = 0, 0
		return m.saveFolders()
	})
	if err != nil {
		return fmt.Errorf("store: reset %s/%s: %w", bal, folder, err)
	}
	return nil
}
