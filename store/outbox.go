package store

import (
	"crypto/rand"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The outbox is keyed by an increasing sequence number: Outbox returns items in the order
// they were queued. It stays small (messages leave it once acknowledged), so lookups by ID
// scan it.

// Enqueue stores a message to submit. An empty ID gets a random one, set on return value
// of Outbox; Queued defaults to now.
func (s *Store) Enqueue(item OutboxItem) error {
	if item.ID == "" {
		item.ID = rand.Text()
	}
	if item.Queued.IsZero() {
		item.Queued = time.Now()
	}
	err := s.update(func(tx *bolt.Tx, k *sealKeys) error {
		b := bucket(tx, k, bucketOutbox)
		if _, key, err := findOutbox(b, item.ID); err != nil {
			return err
		} else if key != nil {
			return fmt.Errorf("outbox item %s already queued", item.ID)
		}
		seq, err := b.b.NextSequence()
		if err != nil {
			return err
		}
		return b.put(u64(seq), &item)
	})
	if err != nil {
		return fmt.Errorf("store: enqueue: %w", err)
	}
	return nil
}

// Outbox returns the queued items, oldest first (submitted ones until acknowledged).
func (s *Store) Outbox() ([]OutboxItem, error) {
	var out []OutboxItem
	err := s.view(func(tx *bolt.Tx, k *sealKeys) error {
		return scan(bucket(tx, k, bucketOutbox), func(it OutboxItem) { out = append(out, it) })
	})
	if err != nil {
		return nil, fmt.Errorf("store: outbox: %w", err)
	}
	return out, nil
}

func findOutbox(b bkt, id string) (OutboxItem, []byte, error) {
	c := b.b.Cursor()
	for key, v := c.First(); key != nil; key, v = c.Next() {
		var it OutboxItem
		if err := b.decode(key, v, &it); err != nil {
			return OutboxItem{}, nil, err
		}
		if it.ID == id {
			return it, slices.Clone(key), nil
		}
	}
	return OutboxItem{}, nil, nil
}

func (s *Store) changeOutbox(id string, fn func(*OutboxItem) (remove bool)) error {
	return s.update(func(tx *bolt.Tx, k *sealKeys) error {
		b := bucket(tx, k, bucketOutbox)
		it, key, err := findOutbox(b, id)
		if err != nil {
			return err
		}
		if key == nil {
			return ErrNotFound
		}
		if fn(&it) {
			return b.b.Delete(key)
		}
		return b.put(key, &it)
	})
}

// MarkSubmitted records that the server accepted the item (it stays until Ack).
func (s *Store) MarkSubmitted(id string) error {
	if err := s.changeOutbox(id, func(it *OutboxItem) bool { it.Submitted = true; return false }); err != nil {
		return fmt.Errorf("store: mark submitted %s: %w", id, err)
	}
	return nil
}

// OutboxFailed records a failed submission attempt.
func (s *Store) OutboxFailed(id string, reason string) error {
	err := s.changeOutbox(id, func(it *OutboxItem) bool {
		it.Attempts++
		it.LastError = reason
		return false
	})
	if err != nil {
		return fmt.Errorf("store: outbox failed %s: %w", id, err)
	}
	return nil
}

// Ack removes a submitted item from the outbox.
func (s *Store) Ack(id string) error {
	if err := s.changeOutbox(id, func(*OutboxItem) bool { return true }); err != nil {
		return fmt.Errorf("store: ack %s: %w", id, err)
	}
	return nil
}
