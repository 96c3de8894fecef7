package store

import (
	"bytes"
	"fmt"
	"runtime"
	"slices"
	"sync"

	bolt "go.etcd.io/bbolt"
)

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
	toks       []uint64
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
