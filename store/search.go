package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// hit is a resolved search candidate.
type hit struct {
	fid   []byte
	uid   uint32
	doc   uint64
	order []byte
}

// Search finds messages whose subject, addresses, attachment names, patient name or body
// text contain every word of q.Text, newest first; the last word also matches a prefix of
// a word of the subject, sender name, attachment or patient name (see Query). Text is not
// filled.
func (s *Store) Search(q Query) ([]Envelope, error) {
	var words []string
	foldWords(q.Text, func(w []byte) {
		if !frenchStop[string(w)] {
			words = append(words, string(w))
		}
	})
	if len(words) == 0 {
		return nil, nil
	}
	words = slices.Compact(words)
	prefixLast := !strings.HasSuffix(q.Text, " ")
	limit := q.Limit
	if limit <= 0 {
		limit = 200
	}
	var out []Envelope
	bad := 0
	err := s.view(func(tx *bolt.Tx, k *sealKeys) error {
		m := newMsgTx(tx, k)
		defer func() { bad = m.bad }()
		px := postBuckets(tx, k)
		var cands []uint64
		for i, w := range words {
			ids, err := px.postings(m.t.sum(tokWord, w, wordSize))
			if err != nil {
				return err
			}
			if i == len(words)-1 && prefixLast {
				p := w
				if len(p) > maxPrefix {
					p = p[:maxPrefix]
				}
				pids, err := px.postings(m.t.sum(tokPrefix, p, wordSize))
				if err != nil {
					return err
				}
				ids = union(ids, pids)
			}
			if i == 0 {
				cands = ids
			} else {
				cands = intersect(cands, ids)
			}
			if len(cands) == 0 {
				return nil
			}
		}
		scope, err := m.scope(q.BAL, q.Folder)
		if err != nil {
			return err
		}
		if len(cands) > walkFrom*limit {
			// Many matches: walk the date indexes newest first, keep the candidates.
			out, err = m.newestAmong(cands, scope, limit)
			return err
		}
		hits := m.resolve(cands, scope)
		slices.SortFunc(hits, func(a, b hit) int { return bytes.Compare(a.order, b.order) })
		out = make([]Envelope, 0, min(len(hits), limit))
		for _, h := range hits {
			if len(out) == limit {
				break
			}
			rec, err := m.viaDoc(h)
			if err != nil {
				return err
			}
			if rec != nil {
				out = append(out, rec.Env)
			}
		}
		return nil
	})
	s.noteMismatches(bad, "search")
	if err != nil {
		return nil, fmt.Errorf("store: search: %w", err)
	}
	return out, nil
}

// walkFrom: with more than walkFrom*limit candidates, Search walks the date indexes (about
// limit steps per folder) instead of resolving every candidate (a step per candidate).
const walkFrom = 8

// newestAmong merges the date indexes of the folders in scope (every folder if nil),
// newest first, and returns the messages whose doc id is in cands (ascending), up to limit.
func (m *msgTx) newestAmong(cands []uint64, scope map[string]bool, limit int) ([]Envelope, error) {
	type head struct {
		fid      []byte
		c        *bolt.Cursor
		key, val []byte
	}
	var heads []*head
	c := m.folders.b.Cursor()
	for fid, _ := c.First(); fid != nil; fid, _ = c.Next() {
		if scope != nil && !scope[string(fid)] {
			continue
		}
		h := &head{fid: bytes.Clone(fid), c: m.bydate.b.Cursor()}
		h.key, h.val = h.c.Seek(h.fid)
		heads = append(heads, h)
	}
	var out []Envelope
	for len(out) < limit {
		var best *head
		for _, h := range heads {
			if h.key == nil || !bytes.HasPrefix(h.key, h.fid) {
				continue
			}
			if best == nil || bytes.Compare(h.key[fidSize:], best.key[fidSize:]) < 0 {
				best = h
			}
		}
		if best == nil {
			break
		}
		if len(best.val) == 8 {
			if _, ok := slices.BinarySearch(cands, binary.BigEndian.Uint64(best.val)); ok {
				rec, err := m.viaDate(best.fid, best.key, best.val)
				if err != nil {
					return nil, err
				}
				if rec != nil {
					out = append(out, rec.Env)
				}
			}
		} else {
			m.bad++
		}
		best.key, best.val = best.c.Next()
	}
	return out, nil
}

// scope returns the folder ids a search is limited to; nil means everything.
func (m *msgTx) scope(bal, folder string) (map[string]bool, error) {
	switch {
	case bal == "":
		return nil, nil
	case folder != "":
		return map[string]bool{string(m.fid(bal, folder)): true}, nil
	}
	sc := map[string]bool{}
	c := m.folders.b.Cursor()
	for key, v := c.First(); key != nil; key, v = c.Next() {
		var fr folderRecord
		if err := m.folders.decode(key, v, &fr); err != nil {
			return nil, err
		}
		if fr.Folder.BAL == bal {
			sc[string(key)] = true
		}
	}
	return sc, nil
}

// resolve maps doc ids to live messages, walking the docs bucket with one cursor: Next
// when the wanted id is close, Seek otherwise.
func (m *msgTx) resolve(cands []uint64, scope map[string]bool) []hit {
	hits := make([]hit, 0, len(cands))
	c := m.docs.b.Cursor()
	var key, v []byte
	for _, doc := range cands {
		want := u64(doc)
		for i := 0; key != nil && bytes.Compare(key, want) < 0 && i < 8; i++ {
			key, v = c.Next()
		}
		if key == nil || bytes.Compare(key, want) < 0 {
			key, v = c.Seek(want)
		}
		if key == nil {
			break
		}
		if !bytes.Equal(key, want) || len(v) != fidSize+4+12 {
			continue // deleted message: stale posting
		}
		fid := v[:fidSize]
		if scope != nil && !scope[string(fid)] {
			continue
		}
		hits = append(hits, hit{fid: bytes.Clone(fid), uid: binary.BigEndian.Uint32(v[fidSize:]), doc: doc, order: bytes.Clone(v[fidSize+4:])})
	}
	return hits
}

// ByMessageID returns the cached copies of a Message-ID (one per folder), newest first.
func (s *Store) ByMessageID(id string) ([]Envelope, error) {
	out, err := s.lookup(bucketByID, tokMsgID, id)
	if err != nil {
		return nil, fmt.Errorf("store: by message id: %w", err)
	}
	return out, nil
}

// ByPatient returns the messages linked to a patient INS, newest first.
func (s *Store) ByPatient(ins string) ([]Envelope, error) {
	out, err := s.lookup(bucketByPatient, tokINS, ins)
	if err != nil {
		return nil, fmt.Errorf("store: by patient: %w", err)
	}
	return out, nil
}

func (s *Store) lookup(bucketName, kind, id string) ([]Envelope, error) {
	if id == "" {
		return nil, nil
	}
	var out []Envelope
	bad := 0
	err := s.view(func(tx *bolt.Tx, k *sealKeys) error {
		m := newMsgTx(tx, k)
		defer func() { bad = m.bad }()
		prefix := m.t.sum(kind, id, idSize)
		c := bucket(tx, k, bucketName).b.Cursor()
		for key, _ := c.Seek(prefix); key != nil && bytes.HasPrefix(key, prefix); key, _ = c.Next() {
			rec, err := m.viaToken(kind, id, key)
			if err != nil {
				return err
			}
			if rec != nil {
				out = append(out, rec.Env)
			}
		}
		return nil
	})
	s.noteMismatches(bad, bucketName)
	slices.SortStableFunc(out, func(a, b Envelope) int { return b.Date.Compare(a.Date) })
	return out, err
}
