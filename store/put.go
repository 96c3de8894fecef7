package store

import (
	"bytes"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

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
	err := s.update(func(tx *bolt.Tx, k *sealKeys) error {
		m := newMsgTx(tx, k)
		pp := startPrepare(k, s.wordCache(), msgs)
		defer pp.wait()
		for i := range msgs {
			e := msgs[i].Envelope
			body := msgs[i].Body
			var text []byte // only a replaced message needs it: the prepared value is sealed
			fid := m.fid(e.BAL, e.Folder)
			old, err := m.record(msgKey(fid, e.UID))
			if err != nil {
				return err
			}
			p := pp.get(i)
			doc := uint64(0)
			if old != nil {
				text = []byte(e.Text)
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

// prepared is the CPU-heavy part of storing a message, done in parallel with the
// sequential bbolt writes: sealed body and text, and the search tokens.
type prepared struct {
	body, text []byte // sealed; nil if absent
	toks       []uint64
}

// prepChunk is how many messages a worker prepares at a time: small enough for the
// writer to start early, large enough to keep synchronisation negligible.
const prepChunk = 16

// preparer prepares a batch in the background, chunk by chunk in message order, while
// the writer consumes the chunks already done: sealing and tokenizing overlap the bbolt
// writes instead of preceding them.
type preparer struct {
	pre   []prepared
	ready []chan struct{} // closed when its chunk is prepared
	next  atomic.Int64    // next chunk to claim
	tzs   []*tokenizer
	wc    *wordCache
	wg    sync.WaitGroup
}

func startPrepare(k *sealKeys, wc *wordCache, msgs []Message) *preparer {
	chunks := (len(msgs) + prepChunk - 1) / prepChunk
	p := &preparer{pre: make([]prepared, len(msgs)), ready: make([]chan struct{}, chunks), wc: wc}
	for i := range p.ready {
		p.ready[i] = make(chan struct{})
	}
	workers := min(runtime.GOMAXPROCS(0), chunks)
	p.tzs = make([]*tokenizer, workers)
	for w := range workers {
		t := k.tokener()
		tz := newTokenizer(t)
		tz.shared = wc // read-only until wait merges the workers' new words
		p.tzs[w] = tz
		p.wg.Go(func() {
			for {
				c := int(p.next.Add(1) - 1)
				if c >= chunks {
					return
				}
				for i := c * prepChunk; i < min((c+1)*prepChunk, len(msgs)); i++ {
					prepareOne(k, t, tz, &msgs[i], &p.pre[i])
				}
				close(p.ready[c])
			}
		})
	}
	return p
}

func prepareOne(k *sealKeys, t *tokener, tz *tokenizer, m *Message, p *prepared) {
	e := &m.Envelope
	mk := msgKey(t.sum(tokFolder, e.BAL+"\x00"+e.Folder, fidSize), e.UID)
	if len(m.Body) > 0 {
		p.body = k.seal(bucketBodies, mk, m.Body)
	}
	if e.Text != "" {
		p.text = k.seal(bucketTexts, mk, []byte(e.Text))
	}
	p.toks = tz.tokens(e, e.Text)
}

// get waits for message i to be prepared.
func (p *preparer) get(i int) *prepared {
	<-p.ready[i/prepChunk]
	return &p.pre[i]
}

// wait stops the workers (the rest of the batch is abandoned) and merges the words they
// hashed into the shared cache.
func (p *preparer) wait() {
	p.next.Store(int64(len(p.ready)))
	p.wg.Wait()
	for _, tz := range p.tzs {
		p.wc.merge(tz)
	}
}
