package store

import (
	"bytes"
	"fmt"
	"runtime"
	"slices"
	"sync"

	bolt "go.etcd.io/bbolt"
)

const flagSeen = `\Seen`

func unread(flags []string) bool { return !slices.Contains(flags, flagSeen) }

// msgTx groups the buckets and caches one message-changing transaction uses.
type msgTx struct {
	tx                                                   *bolt.Tx
	k                                                    *keyring
	t                                                    *tokener
	folders, msgs, bodies, texts, bydate, docs, byid, bp bkt
	stats                                                map[string]*folderRecord // by fid
	fids                                                 map[[2]string][]byte
	ix                                                   *indexer
}

func newMsgTx(tx *bolt.Tx, k *keyring) *msgTx {
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
	dels := []del{{m.msgs, mk}, {m.bydate, dateKey(fid, e.Date, e.UID)}}
	if !keepContent {
		dels = append(dels, del{m.bodies, mk}, del{m.texts, mk})
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

func checkRef(r Ref) error {
	if r.BAL == "" || r.Folder == "" || r.UID == 0 {
		return fmt.Errorf("store: invalid message reference (BAL %q, folder %q, UID %d)", r.BAL, r.Folder, r.UID)
	}
	return nil
}

// PutMessages stores envelopes and optional bodies in one transaction (one fsync).
// A message already stored under the same Ref is replaced; a nil Body or empty Text keeps
// the cached one.
func (s *Store) PutMessages(msgs []Message) error {
	for _, m := range msgs {
		if err := checkRef(m.Envelope.Ref); err != nil {
			return err
		}
	}
	err := s.update(func(tx *bolt.Tx, k *keyring) error {
		m := newMsgTx(tx, k)
		pre := prepareAll(k, s.wordCache(), msgs)
		for i := range msgs {
			e := msgs[i].Envelope
			body := msgs[i].Body
			text := []byte(e.Text)
			fid := m.fid(e.BAL, e.Folder)
			old, err := m.record(msgKey(fid, e.UID))
			if err != nil {
				return err
			}
			p := &pre[i]
			doc := uint64(0)
			if old != nil {
				keep := body == nil
				oldText, err := m.texts.getBytes(msgKey(fid, e.UID))
				if err != nil {
					return err
				}
				if len(text) == 0 {
					text, p = oldText, nil // the prepared tokens lack the cached text
				}
				// A re-sync of the same message (new flags) keeps its search entries:
				// reindexing would leave stale postings behind at every flag change.
				if old.Doc != 0 && sameSearchContent(&old.Env, &e) && bytes.Equal(text, oldText) {
					doc = old.Doc
				}
				if err := m.remove(fid, old, doc != 0, keep); err != nil {
					return err
				}
			}
			if err := m.insert(e, body, text, doc, p); err != nil {
				return err
			}
		}
		return m.finish()
	})
	if err != nil {
		return fmt.Errorf("store: put %d messages: %w", len(msgs), err)
	}
	return nil
}

// sameSearchContent tells whether two envelopes index the same words (text aside).
func sameSearchContent(a, b *Envelope) bool {
	pname := func(e *Envelope) string {
		if e.Patient == nil {
			return ""
		}
		return e.Patient.Name
	}
	return a.Subject == b.Subject && a.From == b.From && slices.Equal(a.To, b.To) && slices.Equal(a.Cc, b.Cc) &&
		slices.Equal(a.Attachments, b.Attachments) && pname(a) == pname(b)
}

// prepared is the CPU-heavy part of storing a message, done in parallel before the
// sequential bbolt writes: sealed body and text, and the search tokens.
type prepared struct {
	body, text []byte // sealed; nil if absent
	toks       []string
}

func prepareAll(k *keyring, wc *wordCache, msgs []Message) []prepared {
	pre := make([]prepared, len(msgs))
	workers := min(runtime.GOMAXPROCS(0), (len(msgs)+31)/32)
	tzs := make([]*tokenizer, workers)
	var wg sync.WaitGroup
	for w := range workers {
		t := k.tokener()
		tz := newTokenizer(t)
		tz.shared = wc
		tzs[w] = tz
		wg.Go(func() {
			for i := w; i < len(msgs); i += workers {
				e := &msgs[i].Envelope
				mk := msgKey(t.sum(tokFolder, e.BAL+"\x00"+e.Folder, fidSize), e.UID)
				p := &pre[i]
				if len(msgs[i].Body) > 0 {
					p.body = k.seal(bucketBodies, mk, msgs[i].Body)
				}
				if e.Text != "" {
					p.text = k.seal(bucketTexts, mk, []byte(e.Text))
				}
				p.toks = tz.tokens(e, []byte(e.Text))
			}
		})
	}
	wg.Wait()
	for _, tz := range tzs {
		wc.merge(tz)
	}
	return pre
}

// Envelope returns one message's envelope, with Text.
func (s *Store) Envelope(ref Ref) (Envelope, error) {
	var env Envelope
	err := s.view(func(tx *bolt.Tx, k *keyring) error {
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
	err := s.view(func(tx *bolt.Tx, k *keyring) error {
		m := newMsgTx(tx, k)
		mk := msgKey(m.fid(ref.BAL, ref.Folder), ref.UID)
		if m.msgs.b.Get(mk) == nil {
			return ErrNotFound
		}
		var err error
		if body, err = m.bodies.getBytes(mk); err != nil {
			return err
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
	gen := s.writes.Load() // before the transaction: see anchors.go
	out := make([]Envelope, 0, limit)
	err := s.view(func(tx *bolt.Tx, k *keyring) error {
		m := newMsgTx(tx, k)
		fid := m.fid(bal, folder)
		c := m.bydate.b.Cursor()
		start, skip := fid, offset
		if offset >= anchorStep {
			if a := s.anchorsFor(c, fid, gen); len(a) > 0 {
				j := min(offset/anchorStep, len(a)-1)
				start, skip = a[j], offset-j*anchorStep
			}
		}
		key, _ := c.Seek(start)
		for ; key != nil && skip > 0 && bytes.HasPrefix(key, fid); key, _ = c.Next() {
			skip--
		}
		for ; key != nil && bytes.HasPrefix(key, fid) && len(out) < limit; key, _ = c.Next() {
			rec, err := m.record(msgKey(fid, dateKeyUID(key)))
			if err != nil {
				return err
			}
			if rec == nil {
				return fmt.Errorf("%w: date index points to a missing message", ErrCorrupt)
			}
			out = append(out, rec.Env)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: page %s/%s: %w", bal, folder, err)
	}
	return out, nil
}

// UIDs returns the UIDs cached in a folder, ascending.
func (s *Store) UIDs(bal, folder string) ([]uint32, error) {
	var uids []uint32
	err := s.view(func(tx *bolt.Tx, k *keyring) error {
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
	err = s.view(func(tx *bolt.Tx, k *keyring) error {
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

// SetFlags replaces a message's flags.
func (s *Store) SetFlags(ref Ref, flags []string) error {
	err := s.update(func(tx *bolt.Tx, k *keyring) error {
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
	err := s.update(func(tx *bolt.Tx, k *keyring) error {
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

// Move moves a message to another folder of the same BAL under its new UID, keeping body,
// text and search entries.
func (s *Store) Move(ref Ref, toFolder string, newUID uint32) error {
	to := Ref{BAL: ref.BAL, Folder: toFolder, UID: newUID}
	if err := checkRef(to); err != nil {
		return err
	}
	err := s.update(func(tx *bolt.Tx, k *keyring) error {
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
		if old, err := m.record(msgKey(m.fid(to.BAL, to.Folder), to.UID)); err != nil {
			return err
		} else if old != nil {
			if err := m.remove(m.fid(to.BAL, to.Folder), old, false, false); err != nil {
				return err
			}
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

// ResetFolder drops a folder's messages after its UIDVALIDITY changed and records the new one.
func (s *Store) ResetFolder(bal, folder string, uidValidity uint32) error {
	err := s.update(func(tx *bolt.Tx, k *keyring) error {
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
