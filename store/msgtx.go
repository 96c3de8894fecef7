package store

import (
	"bytes"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

const flagSeen = `\Seen`

func unread(flags []string) bool { return !slices.Contains(flags, flagSeen) }

// msgTx groups the buckets and caches one message-changing transaction uses.
type msgTx struct {
	tx                                                   *bolt.Tx
	k                                                    *sealKeys
	t                                                    *tokener
	folders, msgs, bodies, texts, bydate, docs, byid, bp bkt
	stats                                                map[string]*folderRecord // by fid
	fids                                                 map[[2]string][]byte
	ix                                                   *indexer
	bad                                                  int  // index entries skipped (verify.go)
	datesTouched                                         bool // the date index's sequence was bumped
}

func newMsgTx(tx *bolt.Tx, k *sealKeys) *msgTx {
	m := &msgTx{tx: tx, k: k, t: k.tokener(),
		folders: bucket(tx, k, bucketFolders), msgs: bucket(tx, k, bucketMsgs),
		bodies: bucket(tx, k, bucketBodies), texts: bucket(tx, k, bucketTexts),
		bydate: bucket(tx, k, bucketByDate), docs: bucket(tx, k, bucketDocs),
		byid: bucket(tx, k, bucketByID), bp: bucket(tx, k, bucketByPatient),
		stats: map[string]*folderRecord{}, fids: map[[2]string][]byte{}}
	if tx.Writable() {
		// Mostly appended in key order: fuller pages, smaller file.
		for _, b := range []bkt{m.msgs, m.bodies, m.texts, m.docs} {
			if b.b != nil { // docs is absent before schema 3 (migrations)
				b.b.FillPercent = 0.9
			}
		}
	}
	return m
}

// fid is the keyed folder id: 8 bytes of HMAC over BAL and folder name.
func (m *msgTx) fid(bal, folder string) []byte {
	key := [2]string{bal, folder}
	if f, ok := m.fids[key]; ok {
		return f
	}
	f := m.t.sum(tokFolder, bal+"\x00"+folder, fidSize)
	m.fids[key] = f
	return f
}

// folder loads (and caches) a folder record; create makes a bare one if absent.
func (m *msgTx) folder(bal, name string, create bool) (*folderRecord, error) {
	fid := m.fid(bal, name)
	if fr, ok := m.stats[string(fid)]; ok {
		return fr, nil
	}
	fr := &folderRecord{}
	found, err := m.folders.get(fid, fr)
	if err != nil {
		return nil, err
	}
	if !found {
		if !create {
			return nil, fmt.Errorf("%w: folder %q of %s", ErrNotFound, name, bal)
		}
		fr.Folder = Folder{BAL: bal, Name: name}
	}
	m.stats[string(fid)] = fr
	return fr, nil
}

// saveFolders writes back the folder records this transaction changed.
func (m *msgTx) saveFolders() error {
	for fid, fr := range m.stats {
		if err := m.folders.put([]byte(fid), fr); err != nil {
			return err
		}
	}
	return nil
}

func (m *msgTx) record(mk []byte) (*msgRecord, error) {
	sealed := m.msgs.b.Get(mk)
	if sealed == nil {
		return nil, nil
	}
	rec := &msgRecord{}
	if err := m.msgs.decodeMsgValue(mk, sealed, rec); err != nil {
		return nil, err
	}
	return rec, nil
}

// remove deletes a message and its secondary keys. keepDoc leaves its search document
// (a move re-points it); bodies and texts go unless keepContent.
func (m *msgTx) remove(fid []byte, rec *msgRecord, keepDoc, keepContent bool) error {
	e := &rec.Env
	mk := msgKey(fid, e.UID)
	type del struct {
		b   bkt
		key []byte
	}
	if err := m.touchDates(); err != nil {
		return err
	}
	dels := []del{{m.msgs, mk}, {m.bydate, dateKey(fid, e.Date, e.UID)}}
	if !keepContent {
		dels = append(dels, del{m.bodies, mk}, del{m.texts, mk})
		if err := deleteChunks(m.tx, mk); err != nil {
			return err
		}
	}
	if e.MessageID != "" {
		dels = append(dels, del{m.byid, cat(m.t.sum(tokMsgID, e.MessageID, idSize), mk)})
	}
	if e.Patient != nil && e.Patient.INS != "" {
		dels = append(dels, del{m.bp, cat(m.t.sum(tokINS, e.Patient.INS, idSize), mk)})
	}
	if !keepDoc && rec.Doc != 0 {
		dels = append(dels, del{m.docs, u64(rec.Doc)})
	}
	for _, d := range dels {
		if err := d.b.b.Delete(d.key); err != nil {
			return err
		}
	}
	fr, err := m.folder(e.BAL, e.Folder, true)
	if err != nil {
		return err
	}
	fr.Total--
	if unread(e.Flags) {
		fr.Unread--
	}
	return nil
}

// insert writes a message whose key is free. doc 0 allocates a new search document and
// indexes text; otherwise the existing document is re-pointed.
func (m *msgTx) insert(e Envelope, body, text []byte, doc uint64, pre *prepared) error {
	fid := m.fid(e.BAL, e.Folder)
	mk := msgKey(fid, e.UID)
	fr, err := m.folder(e.BAL, e.Folder, true)
	if err != nil {
		return err
	}
	newDoc := doc == 0
	if newDoc {
		if doc, err = m.docs.b.NextSequence(); err != nil {
			return err
		}
	}
	if err := m.docs.b.Put(u64(doc), cat(fid, u32(e.UID), dateOrder(e.Date, e.UID))); err != nil {
		return err
	}
	e.Text = ""
	if err := m.msgs.putMsg(mk, &msgRecord{Env: e, Doc: doc}); err != nil {
		return err
	}
	switch {
	case pre != nil && pre.body != nil:
		if err := m.bodies.b.Put(mk, pre.body); err != nil {
			return err
		}
	case pre == nil && len(body) > 0:
		if err := m.bodies.putBytes(mk, body); err != nil {
			return err
		}
	}
	switch {
	case pre != nil && pre.text != nil:
		if err := m.texts.b.Put(mk, pre.text); err != nil {
			return err
		}
	case pre == nil && len(text) > 0:
		if err := m.texts.putBytes(mk, text); err != nil {
			return err
		}
	}
	if err := m.touchDates(); err != nil {
		return err
	}
	if err := m.bydate.b.Put(dateKey(fid, e.Date, e.UID), u64(doc)); err != nil {
		return err
	}
	if e.MessageID != "" {
		if err := m.byid.b.Put(cat(m.t.sum(tokMsgID, e.MessageID, idSize), mk), nil); err != nil {
			return err
		}
	}
	if e.Patient != nil && e.Patient.INS != "" {
		if err := m.bp.b.Put(cat(m.t.sum(tokINS, e.Patient.INS, idSize), mk), nil); err != nil {
			return err
		}
	}
	fr.Total++
	if unread(e.Flags) {
		fr.Unread++
	}
	switch {
	case newDoc && pre != nil:
		m.indexer().addTokens(doc, pre.toks)
	case newDoc:
		m.indexer().add(doc, &e, text)
	}
	return nil
}

func (m *msgTx) indexer() *indexer {
	if m.ix == nil {
		m.ix = newIndexer(m.t)
	}
	return m.ix
}

// finish flushes the search postings and folder counts.
func (m *msgTx) finish() error {
	if m.ix != nil {
		if err := m.ix.flush(m.tx, m.k); err != nil {
			return err
		}
	}
	return m.saveFolders()
}

// touchDates bumps the date index's sequence, once per transaction that changes the index:
// Page's anchors are valid for one sequence (see anchors.go).
func (m *msgTx) touchDates() error {
	if m.datesTouched {
		return nil
	}
	m.datesTouched = true
	_, err := m.bydate.b.NextSequence()
	return err
}

// clearFolder removes every message of a folder.
func (m *msgTx) clearFolder(bal, folder string) error {
	fid := m.fid(bal, folder)
	var keys [][]byte
	c := m.msgs.b.Cursor()
	for key, _ := c.Seek(fid); key != nil && bytes.HasPrefix(key, fid); key, _ = c.Next() {
		keys = append(keys, bytes.Clone(key))
	}
	for _, key := range keys {
		rec, err := m.record(key)
		if err != nil {
			return err
		}
		if err := m.remove(fid, rec, false, false); err != nil {
			return err
		}
	}
	return nil
}

func checkRef(r Ref) error {
	if r.BAL == "" || r.Folder == "" || r.UID == 0 {
		return fmt.Errorf("store: invalid message reference (BAL %q, folder %q, UID %d)", r.BAL, r.Folder, r.UID)
	}
	return nil
}
