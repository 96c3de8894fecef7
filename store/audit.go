package store

import (
	"bytes"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Audit keys are the entry's time (Unix nanoseconds, big endian) then a sequence number:
// time-range queries seek, and the times of actions are visible without the card.

// Audit appends an entry to the journal; a zero Time means now.
func (s *Store) Audit(e AuditEntry) error {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	err := s.update(func(tx *bolt.Tx, k *sealKeys) error {
		b := bucket(tx, k, bucketAudit)
		b.b.FillPercent = 0.9
		seq, err := b.b.NextSequence()
		if err != nil {
			return err
		}
		return b.put(cat(u64(uint64(e.Time.UnixNano())), u64(seq)), &e)
	})
	if err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	return nil
}

// AuditQuery returns matching entries, newest first.
func (s *Store) AuditQuery(f AuditFilter) ([]AuditEntry, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 1000
	}
	var out []AuditEntry
	err := s.view(func(tx *bolt.Tx, k *sealKeys) error {
		b := bucket(tx, k, bucketAudit)
		c := b.b.Cursor()
		var key, v []byte
		if f.To.IsZero() {
			key, v = c.Last()
		} else {
			to := u64(uint64(f.To.UnixNano()))
			key, v = c.Seek(to)
			if key == nil {
				key, v = c.Last()
			}
			for key != nil && bytes.Compare(key[:8], to) >= 0 {
				key, v = c.Prev()
			}
		}
		for ; key != nil && len(out) < limit; key, v = c.Prev() {
			var e AuditEntry
			if err := b.decode(key, v, &e); err != nil {
				return err
			}
			if !f.From.IsZero() && e.Time.Before(f.From) {
				break
			}
			if (f.Author == "" || f.Author == e.Author) && (f.BAL == "" || f.BAL == e.BAL) && (f.Action == "" || f.Action == e.Action) {
				out = append(out, e)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: audit query: %w", err)
	}
	return out, nil
}
