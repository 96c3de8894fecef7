package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// Check verifies the whole file and returns a *CorruptError (ErrCorrupt) listing what is
// wrong, or nil. It reads everything: run it on demand (diagnostics), not at every start.
//
//   - bbolt's own consistency check (every page reachable once, freelist coherent);
//   - the header (meta) and the set of buckets;
//   - every sealed value is authenticated and decoded, and keyed by what it holds (a BAL by
//     its address, a patient by its INS, a message by its BAL, folder and UID);
//   - every message has exactly its entries in the plaintext indexes (date, search
//     document, Message-ID, patient), with the right date and document id, and the indexes
//     hold nothing else: entries added, dropped or re-pointed by someone who could write the
//     file but had no card are found here (reads skip them, see verify.go);
//   - folder counts match the messages; bodies and texts belong to a cached message;
//   - streamed bodies: every chunk belongs to a manifest, authenticates at its index with
//     its generation, none is missing, sizes add up to the manifest's.
func (s *Store) Check(ctx context.Context) error {
	err := s.view(func(tx *bolt.Tx, k *sealKeys) error {
		var errs []error
		for err := range tx.Check() { // drain: the checker goroutine must finish
			if len(errs) < 10 {
				errs = append(errs, err)
			}
		}
		if len(errs) > 0 {
			return &CorruptError{Err: errors.Join(errs...)}
		}
		c := &checker{ctx: ctx, tx: tx, k: k, m: newMsgTx(tx, k)}
		for _, step := range []func() error{c.header, c.buckets, c.records, c.messages, c.contents, c.postings, c.chunks} {
			if err := step(); err != nil {
				return err
			}
		}
		return c.result()
	})
	if err != nil {
		return fmt.Errorf("store: check %s: %w", s.path, err)
	}
	return nil
}

// maxProblems is how many problems Check lists; it counts the others.
const maxProblems = 50

type checker struct {
	ctx      context.Context
	tx       *bolt.Tx
	k        *sealKeys
	m        *msgTx
	problems []error
	more     int
	steps    int
}

func (c *checker) fail(format string, args ...any) {
	if len(c.problems) < maxProblems {
		c.problems = append(c.problems, fmt.Errorf(format, args...))
	} else {
		c.more++
	}
}

// tick checks for cancellation every 256 steps.
func (c *checker) tick() error {
	c.steps++
	if c.steps%256 == 0 {
		return c.ctx.Err()
	}
	return nil
}

func (c *checker) result() error {
	if len(c.problems) == 0 {
		return nil
	}
	errs := c.problems
	if c.more > 0 {
		errs = append(slices.Clip(errs), fmt.Errorf("and %d more problems", c.more))
	}
	return &CorruptError{Err: errors.Join(errs...)}
}

// hasKey tells whether b holds key (whatever its value, empty included).
func hasKey(b *bolt.Bucket, key []byte) bool {
	k, _ := b.Cursor().Seek(key)
	return bytes.Equal(k, key)
}

// header checks the plaintext meta bucket.
func (c *checker) header() error {
	m := c.tx.Bucket([]byte(bucketMeta))
	if m == nil {
		c.fail("no meta bucket")
		return nil
	}
	wrapped := 0
	err := m.ForEach(func(key, v []byte) error {
		switch string(key) {
		case metaFormat:
			if string(v) != formatMagic {
				c.fail("meta: wrong format marker")
			}
		case metaSchema:
			if len(v) != 4 || binary.BigEndian.Uint32(v) != schemaVersion {
				c.fail("meta: schema %x, want %d", v, schemaVersion)
			}
		case metaSalt:
			if len(v) != saltSize {
				c.fail("meta: salt of %d bytes", len(v))
			}
		case metaWrapped, metaOSWrapped:
			wrapped++
			if len(v) != wrappedSize {
				c.fail("meta: %s of %d bytes, want %d", key, len(v), wrappedSize)
			}
		case metaPlain:
		default:
			c.fail("meta: unexpected key %q", key)
		}
		return nil
	})
	if wrapped == 0 {
		c.fail("meta: no wrapped data key")
	}
	return err
}

// buckets checks that the top level holds exactly the buckets of this schema.
func (c *checker) buckets() error {
	want := allBuckets()
	for _, name := range want {
		if c.tx.Bucket([]byte(name)) == nil {
			c.fail("bucket %q missing", name)
		}
	}
	return c.tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
		if !slices.Contains(want, string(name)) {
			c.fail("unexpected bucket %q", name)
		}
		return nil
	})
}

// records checks the buckets of sealed records keyed by a sequence or a token: each value
// authenticates and decodes, and a token key is the token of what the record holds.
func (c *checker) records() error {
	t := c.m.t
	type spec struct {
		name   string
		keyLen int
		check  func(key, v []byte) error
	}
	decodeAs := func(b bkt, key, v []byte, out any) error { return b.decode(key, v, out) }
	specs := []spec{
		{bucketBALs, idSize, func(key, v []byte) error {
			var r BAL
			if err := decodeAs(bucket(c.tx, c.k, bucketBALs), key, v, &r); err != nil {
				return err
			}
			if !bytes.Equal(key, t.sum(tokBAL, r.Address, idSize)) {
				return errors.New("keyed by another address")
			}
			return nil
		}},
		{bucketPatients, idSize, func(key, v []byte) error {
			var r Patient
			if err := decodeAs(bucket(c.tx, c.k, bucketPatients), key, v, &r); err != nil {
				return err
			}
			if !bytes.Equal(key, t.sum(tokINS, r.INS, idSize)) {
				return errors.New("keyed by another INS")
			}
			return nil
		}},
		{bucketOutbox, 8, func(key, v []byte) error {
			var r OutboxItem
			return decodeAs(bucket(c.tx, c.k, bucketOutbox), key, v, &r)
		}},
		{bucketAudit, 16, func(key, v []byte) error {
			var r AuditEntry
			return decodeAs(bucket(c.tx, c.k, bucketAudit), key, v, &r)
		}},
		{bucketSettings, idSize, func(key, v []byte) error {
			p, err := c.k.open(bucketSettings, key, v)
			wipe(p)
			return err
		}},
	}
	for _, sp := range specs {
		cur := c.tx.Bucket([]byte(sp.name)).Cursor()
		for key, v := cur.First(); key != nil; key, v = cur.Next() {
			if err := c.tick(); err != nil {
				return err
			}
			if len(key) != sp.keyLen {
				c.fail("%s: key %x of %d bytes, want %d", sp.name, key, len(key), sp.keyLen)
				continue
			}
			if err := sp.check(key, v); err != nil {
				c.fail("%s %x: %w", sp.name, key, err)
			}
		}
	}
	return nil
}
