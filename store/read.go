package store

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Envelope returns one message's envelope, with Text.
func (s *Store) Envelope(ref Ref) (Envelope, error) {
	var env Envelope
	err := s.view(func(tx *bolt.Tx, k *sealKeys) error {
		m := newMsgTx(tx, k)
		mk := msgKey(m.fid(ref.BAL, ref.Folder), ref.UID)
		rec, err := m.record(mk)
		if err != nil {
			return err
		}
		if rec == nil {
			return ErrNotFound
		}
		text, err := m.texts.getBytes(mk)
		if err != nil {
			return err
		}
		env = rec.Env
		env.Text = string(text)
		return nil
	})
	if err != nil {
		return Envelope{}, fmt.Errorf("store: envelope %s/%s/%d: %w", ref.BAL, ref.Folder, ref.UID, err)
	}
	return env, nil
}

// Body returns a copy of the raw message (ErrNotFound, ErrNoBody).
func (s *Store) Body(ref Ref) ([]byte, error) {
	var body []byte
	err := s.view(func(tx *bolt.Tx, k *sealKeys) error {
		m := newMsgTx(tx, k)
		mk := msgKey(m.fid(ref.BAL, ref.Folder), ref.UID)
		if m.msgs.b.Get(mk) == nil {
			return ErrNotFound
		}
		var err error
		if body, err = m.bodies.getBytes(mk); err != nil {
			return err
		}
		if body == nil { // streamed by WriteBody (bodystream.go)?
			if body, err = readChunked(tx, k, mk); err != nil {
				return err
			}
		}
		if body == nil {
			return ErrNoBody
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: body %s/%s/%d: %w", ref.BAL, ref.Folder, ref.UID, err)
	}
	return body, nil
}

// Page returns up to limit envelopes of a folder, newest first, skipping offset. It reads
// only the date index keys it needs and limit records; deep offsets start from an anchor
// (see anchors.go). Text is not filled.
func (s *Store) Page(bal, folder string, offset, limit int) ([]Envelope, error) {
	if offset < 0 || limit < 0 {
		return nil, fmt.Errorf("store: page: negative offset or limit")
	}
	if limit == 0 {
		limit = 50
	}
	out := make([]Envelope, 0, limit)
	bad := 0
	err := s.view(func(tx *bolt.Tx, k *sealKeys) error {
		m := newMsgTx(tx, k)
		fid := m.fid(bal, folder)
		c := m.bydate.b.Cursor()
		start, skip := fid, offset
		if offset >= anchorStep {
			if a := s.anchorsFor(c, fid, m.bydate.b.Sequence()); len(a) > 0 {
				j := min(offset/anchorStep, len(a)-1)
				start, skip = a[j], offset-j*anchorStep
			}
		}
		key, v := c.Seek(start)
		for ; key != nil && skip > 0 && bytes.HasPrefix(key, fid); key, v = c.Next() {
			skip--
		}
		defer func() { bad = m.bad }()
		for ; key != nil && bytes.HasPrefix(key, fid) && len(out) < limit; key, v = c.Next() {
			rec, err := m.viaDate(fid, key, v)
			if err != nil {
				return err
			}
			if rec != nil {
				out = append(out, rec.Env)
			}
		}
		return nil
	})
	s.noteMismatches(bad, bucketByDate)
	if err != nil {
		return nil, fmt.Errorf("store: page %s/%s: %w", bal, folder, err)
	}
	return out, nil
}

// UIDs returns the UIDs cached in a folder, ascending.
func (s *Store) UIDs(bal, folder string) ([]uint32, error) {
	var uids []uint32
	err := s.view(func(tx *bolt.Tx, k *sealKeys) error {
		m := newMsgTx(tx, k)
		fid := m.fid(bal, folder)
		c := m.msgs.b.Cursor()
		for key, _ := c.Seek(fid); key != nil && bytes.HasPrefix(key, fid); key, _ = c.Next() {
			uids = append(uids, uidOf(key))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: uids %s/%s: %w", bal, folder, err)
	}
	return uids, nil
}

// Counts returns the number of messages and of unread ones (no \Seen), kept incrementally.
func (s *Store) Counts(bal, folder string) (total, unreadN int, err error) {
	err = s.view(func(tx *bolt.Tx, k *sealKeys) error {
		fr, err := newMsgTx(tx, k).folder(bal, folder, false)
		if err != nil {
			return err
		}
		total, unreadN = fr.Total, fr.Unread
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("store: counts %s/%s: %w", bal, folder, err)
	}
	return total, unreadN, nil
}
