package store

import (
	"bytes"
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// schemaVersion is the layout this code writes. History:
//
//	1  first layout: no message counts, no search index
//	2  folder records carry total and unread counts, kept incrementally
//	3  full-text index: docs, postfull, posttail; message records and date index entries
//	   carry their doc id
//	4  posting segments (postseg): a batch appends its postings instead of rewriting them
//	5  bodychunks always present; a streamed body's write starts with a pending manifest,
//	   so the chunks of a write cut short can be authenticated; schema 4's leftovers dropped
const schemaVersion = 5

// migration upgrades the file from version from to from+1 inside one write transaction.
type migration struct {
	from uint32
	name string
	run  func(tx *bolt.Tx, k *sealKeys) error
}

// migrations are applied in order, each in its own transaction that also bumps the schema
// number, so an interrupted upgrade resumes at the step that did not commit.
func migrations() []migration {
	return []migration{
		{1, "folder counts", migrateCounts},
		{2, "search index", migrateIndex},
		{3, "posting segments", migrateSegments},
		{4, "chunk manifests", migrateChunks},
	}
}

func (s *Store) migrate(from, to uint32) error {
	for _, mg := range migrations() {
		if mg.from < from || mg.from >= to {
			continue
		}
		err := s.update(func(tx *bolt.Tx, k *sealKeys) error {
			if err := mg.run(tx, k); err != nil {
				return err
			}
			return tx.Bucket([]byte(bucketMeta)).Put([]byte(metaSchema), u32(mg.from+1))
		})
		if err != nil {
			return fmt.Errorf("store: migrate %s from schema %d (%s): %w", s.path, mg.from, mg.name, err)
		}
		s.log.Info("store: migrated", "path", s.path, "to", mg.from+1, "step", mg.name)
	}
	return nil
}

// migrateCounts computes every folder's total and unread counts.
func migrateCounts(tx *bolt.Tx, k *sealKeys) error {
	m := newMsgTx(tx, k)
	c := m.msgs.b.Cursor()
	for key, v := c.First(); key != nil; key, v = c.Next() {
		var rec msgRecord
		if err := m.msgs.decodeMsgValue(key, v, &rec); err != nil {
			return err
		}
		fr, err := m.folder(rec.Env.BAL, rec.Env.Folder, true)
		if err != nil {
			return err
		}
		fr.Total++
		if unread(rec.Env.Flags) {
			fr.Unread++
		}
	}
	return m.saveFolders()
}

// migrateSegments adds the bucket of posting segments; the blocks stay as they are.
func migrateSegments(tx *bolt.Tx, _ *sealKeys) error {
	_, err := tx.CreateBucketIfNotExists([]byte(bucketPostSeg))
	return err
}

// migrateChunks creates bodychunks if no body was ever streamed, and drops the chunks that
// schema 4 left without a manifest (writes cut short): they never read as a body, and
// without a manifest they cannot be authenticated.
func migrateChunks(tx *bolt.Tx, _ *sealKeys) error {
	b, err := tx.CreateBucketIfNotExists([]byte(bucketBodyChunks))
	if err != nil {
		return err
	}
	var orphans [][]byte
	var manifest []byte
	c := b.Cursor()
	for key, _ := c.First(); key != nil; key, _ = c.Next() {
		switch {
		case len(key) == fidSize+4:
			manifest = bytes.Clone(key)
		case len(key) == fidSize+8 && !bytes.Equal(key[:fidSize+4], manifest):
			orphans = append(orphans, bytes.Clone(key))
		}
	}
	for _, key := range orphans {
		if err := b.Delete(key); err != nil {
			return err
		}
	}
	return nil
}

// migrateIndex creates the search buckets and indexes every cached message (with the
// layout of schema 3: its postings go to the blocks, not to segments).
func migrateIndex(tx *bolt.Tx, k *sealKeys) error {
	for _, b := range []string{bucketDocs, bucketPostFull, bucketPostTail} {
		if _, err := tx.CreateBucketIfNotExists([]byte(b)); err != nil {
			return err
		}
	}
	m := newMsgTx(tx, k)
	type item struct {
		key []byte
		rec msgRecord
	}
	var items []item
	c := m.msgs.b.Cursor()
	for key, v := c.First(); key != nil; key, v = c.Next() {
		it := item{key: append([]byte(nil), key...)}
		if err := m.msgs.decodeMsgValue(key, v, &it.rec); err != nil {
			return err
		}
		items = append(items, it)
	}
	for _, it := range items {
		doc, err := m.docs.b.NextSequence()
		if err != nil {
			return err
		}
		e := it.rec.Env
		if err := m.docs.b.Put(u64(doc), cat(it.key[:fidSize], u32(e.UID), dateOrder(e.Date, e.UID))); err != nil {
			return err
		}
		if err := m.touchDates(); err != nil {
			return err
		}
		if err := m.bydate.b.Put(dateKey(it.key[:fidSize], e.Date, e.UID), u64(doc)); err != nil {
			return err
		}
		text, err := m.texts.getBytes(it.key)
		if err != nil {
			return err
		}
		m.indexer().add(doc, &e, text)
		it.rec.Doc = doc
		if err := m.msgs.putMsg(it.key, &it.rec); err != nil {
			return err
		}
	}
	if m.ix == nil {
		return nil
	}
	return appendToTails(tx, k, m.ix.post)
}

// checkBuckets verifies that a current-schema file has every bucket.
func checkBuckets(tx *bolt.Tx) error {
	for _, b := range allBuckets() {
		if tx.Bucket([]byte(b)) == nil {
			return fmt.Errorf("bucket %q missing", b)
		}
	}
	return nil
}

// RebuildIndex drops the search index and builds it again from the cached envelopes and
// texts, in one transaction. Deleted and replaced messages leave stale postings behind
// (skipped at query time); this reclaims them. Maintenance only: it reads every message.
func (s *Store) RebuildIndex(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.update(func(tx *bolt.Tx, k *sealKeys) error {
		for _, b := range []string{bucketDocs, bucketPostFull, bucketPostTail, bucketPostSeg} {
			if err := tx.DeleteBucket([]byte(b)); err != nil {
				return err
			}
		}
		if err := migrateSegments(tx, k); err != nil {
			return err
		}
		return migrateIndex(tx, k)
	})
	if err != nil {
		return fmt.Errorf("store: rebuild index %s: %w", s.path, err)
	}
	return nil
}
