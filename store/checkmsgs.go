package store

import (
	"bytes"
	"encoding/binary"
)

// indexCheck counts, for one plaintext index, the entries found at the key a message
// expects: what the bucket holds beyond them points to no message or to another one.
type indexCheck struct {
	name    string
	present int
}

func (c *checker) extras(ix *indexCheck) {
	if n := c.tx.Bucket([]byte(ix.name)).Stats().KeyN; n > ix.present {
		c.fail("%s: entries pointing to no cached message, or to another one: %d", ix.name, n-ix.present)
	}
}

// messages checks every message record, its entries in the four plaintext indexes and
// the folder counts.
func (c *checker) messages() error {
	m := c.m
	type counts struct{ total, unread int }
	perFolder := map[string]*counts{}
	byDate, docs := &indexCheck{name: bucketByDate}, &indexCheck{name: bucketDocs}
	byID, byPatient := &indexCheck{name: bucketByID}, &indexCheck{name: bucketByPatient}
	cur := m.msgs.b.Cursor()
	for key, v := cur.First(); key != nil; key, v = cur.Next() {
		if err := c.tick(); err != nil {
			return err
		}
		var rec msgRecord
		if err := m.msgs.decodeMsgValue(key, v, &rec); err != nil {
			c.fail("msgs %x: %w", key, err)
			continue
		}
		e := &rec.Env
		fid := m.fid(e.BAL, e.Folder)
		if !bytes.Equal(key, msgKey(fid, e.UID)) {
			c.fail("msgs %x: holds another message's record", key)
			continue
		}
		n := perFolder[string(fid)]
		if n == nil {
			n = &counts{}
			perFolder[string(fid)] = n
		}
		n.total++
		if unread(e.Flags) {
			n.unread++
		}

		if dv := m.bydate.b.Get(dateKey(fid, e.Date, e.UID)); dv == nil {
			c.fail("message %x: not in the date index", key)
		} else {
			byDate.present++
			if !docIs(dv, &rec) {
				c.fail("message %x: date index entry with doc id %x, want %d", key, dv, rec.Doc)
			}
		}
		if rec.Doc == 0 {
			c.fail("message %x: no search document", key)
		} else if loc := m.docs.b.Get(u64(rec.Doc)); loc == nil {
			c.fail("message %x: search document %d missing", key, rec.Doc)
		} else {
			docs.present++
			if !bytes.Equal(loc, cat(key, dateOrder(e.Date, e.UID))) {
				c.fail("search document %d: points to %x, want message %x", rec.Doc, loc, key)
			}
		}
		for _, ix := range []struct {
			check *indexCheck
			b     bkt
			kind  string
		}{{byID, m.byid, tokMsgID}, {byPatient, m.bp, tokINS}} {
			id := tokenValue(ix.kind, e)
			if id == "" {
				continue
			}
			if !hasKey(ix.b.b, cat(m.t.sum(ix.kind, id, idSize), key)) {
				c.fail("message %x: not in the %s index", key, ix.check.name)
			} else {
				ix.check.present++
			}
		}
	}
	for _, ix := range []*indexCheck{byDate, docs, byID, byPatient} {
		c.extras(ix)
	}

	fc := m.folders.b.Cursor()
	for key, v := fc.First(); key != nil; key, v = fc.Next() {
		var fr folderRecord
		if err := m.folders.decode(key, v, &fr); err != nil {
			c.fail("folders %x: %w", key, err)
			continue
		}
		if !bytes.Equal(key, m.fid(fr.Folder.BAL, fr.Folder.Name)) {
			c.fail("folders %x: holds another folder's record", key)
			continue
		}
		n := perFolder[string(key)]
		delete(perFolder, string(key))
		if n == nil {
			n = &counts{}
		}
		if fr.Total != n.total || fr.Unread != n.unread {
			c.fail("folder %x: counts %d/%d, its messages %d/%d", key, fr.Total, fr.Unread, n.total, n.unread)
		}
	}
	for fid := range perFolder {
		c.fail("folder %x: messages but no folder record", []byte(fid))
	}
	return nil
}

// contents checks bodies and texts: sealed, and each of a cached message.
func (c *checker) contents() error {
	for _, name := range []string{bucketBodies, bucketTexts} {
		b := bucket(c.tx, c.k, name)
		cur := b.b.Cursor()
		for key, v := cur.First(); key != nil; key, v = cur.Next() {
			if err := c.tick(); err != nil {
				return err
			}
			p, err := c.k.open(name, key, v)
			wipe(p)
			switch {
			case err != nil:
				c.fail("%s %x: %w", name, key, err)
			case c.m.msgs.b.Get(key) == nil:
				c.fail("%s %x: no cached message", name, key)
			}
		}
	}
	return nil
}

// postings checks the search index: sealed blocks, tails and segment chunks that decode.
func (c *checker) postings() error {
	px := postBuckets(c.tx, c.k)
	for _, b := range []struct {
		x      bkt
		keyLen int
		parse  func(p []byte) error
	}{
		{px.full, wordSize + 4, func(p []byte) error { _, err := decodeDeltas(p, nil); return err }},
		{px.tail, wordSize, func(p []byte) error {
			if len(p) < 12 {
				return errShort
			}
			_, err := decodeDeltas(p[12:], nil)
			return err
		}},
		{px.segs, 4 + wordSize, func(p []byte) error {
			return chunkEntries(p, func(uint64, []byte) bool { return true })
		}},
	} {
		cur := b.x.b.Cursor()
		for key, v := cur.First(); key != nil; key, v = cur.Next() {
			if err := c.tick(); err != nil {
				return err
			}
			if len(key) != b.keyLen {
				c.fail("%s: key %x of %d bytes, want %d", b.x.name, key, len(key), b.keyLen)
				continue
			}
			p, err := c.k.open(b.x.name, key, v)
			if err == nil {
				err = b.parse(p)
			}
			if err != nil {
				c.fail("%s %x: %w", b.x.name, key, err)
			}
		}
	}
	// Segment numbers follow the bucket's sequence.
	if last, _ := px.segs.b.Cursor().Last(); len(last) == 4+wordSize && uint64(binary.BigEndian.Uint32(last)) > px.segs.b.Sequence() {
		c.fail("%s: segment %d beyond the sequence %d", bucketPostSeg, binary.BigEndian.Uint32(last), px.segs.b.Sequence())
	}
	return nil
}
