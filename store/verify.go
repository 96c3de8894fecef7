package store

import (
	"encoding/binary"
	"time"
)

// The index buckets (bydate, docs, byid, bypatient) hold plaintext keys and values that no
// key authenticates: someone who can write the file, even without the card, can add, drop
// or re-point their entries (attach patient B's message to patient A, show a message twice
// or at another date, make a search word find another message). Sealed records cannot be
// forged, so every read through an index checks the record it lands on against what the
// entry claims, and skips the entry if they differ. Skipped entries are counted
// (IndexMismatches) and logged; Check reports them.

// dateOrderIs tells whether order (12 bytes, see dateOrder) is that of date t and uid.
func dateOrderIs(order []byte, t time.Time, uid uint32) bool {
	return len(order) == 12 &&
		binary.BigEndian.Uint64(order) == ^(uint64(t.Unix())+1<<63) &&
		binary.BigEndian.Uint32(order[8:]) == ^uid
}

// docIs tells whether an index value (8 bytes) is the record's document id.
func docIs(v []byte, rec *msgRecord) bool {
	return len(v) == 8 && rec.Doc != 0 && binary.BigEndian.Uint64(v) == rec.Doc
}

// viaDate returns the record a date index entry (key fid | date order, value doc id)
// points to, or nil if the entry does not match it.
func (m *msgTx) viaDate(fid, key, val []byte) (*msgRecord, error) {
	if len(key) != fidSize+12 {
		m.bad++
		return nil, nil
	}
	rec, err := m.record(msgKey(fid, dateKeyUID(key)))
	if err != nil {
		return nil, err
	}
	if rec == nil || !dateOrderIs(key[fidSize:], rec.Env.Date, rec.Env.UID) || !docIs(val, rec) {
		m.bad++
		return nil, nil
	}
	return rec, nil
}

// viaDoc returns the record a docs entry (doc -> fid | uid | date order) points to, or nil
// if the record is not that document.
func (m *msgTx) viaDoc(h hit) (*msgRecord, error) {
	rec, err := m.record(msgKey(h.fid, h.uid))
	if err != nil {
		return nil, err
	}
	if rec == nil || rec.Doc != h.doc || !dateOrderIs(h.order, rec.Env.Date, rec.Env.UID) {
		m.bad++
		return nil, nil
	}
	return rec, nil
}

// viaToken returns the record an identifier index entry (H16(id) | fid | uid) points to,
// or nil if the record does not carry that identifier.
func (m *msgTx) viaToken(kind, id string, key []byte) (*msgRecord, error) {
	if len(key) != idSize+fidSize+4 {
		m.bad++
		return nil, nil
	}
	rec, err := m.record(key[idSize:])
	if err != nil {
		return nil, err
	}
	if rec == nil || tokenValue(kind, &rec.Env) != id {
		m.bad++
		return nil, nil
	}
	return rec, nil
}

// tokenValue is the identifier of a message an identifier index is keyed by ("" if none).
func tokenValue(kind string, e *Envelope) string {
	switch kind {
	case tokMsgID:
		return e.MessageID
	case tokINS:
		if e.Patient != nil {
			return e.Patient.INS
		}
	}
	return ""
}

// noteMismatches records index entries a read skipped.
func (s *Store) noteMismatches(n int, what string) {
	if n == 0 {
		return
	}
	s.mismatches.Add(uint64(n))
	s.log.Warn("store: index entries that do not match their message were ignored (file modified outside Comptoir?); run Check",
		"path", s.path, "index", what, "entries", n)
}

// IndexMismatches is the number of index entries ignored since Open because they did not
// match the sealed message they pointed to: nonzero means the file was modified outside
// Comptoir (or damaged). Check lists the problems.
func (s *Store) IndexMismatches() uint64 { return s.mismatches.Load() }
