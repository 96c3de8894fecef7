package mail

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"comptoir/store"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

const (
	fetchBatch    = 250     // UIDs per UID FETCH command
	fetchWindow   = 3       // UID FETCH commands in flight (pipelining)
	storeBatch    = 500     // messages per store transaction (the store's sweet spot)
	storeBatchMax = 5 << 20 // bytes of bodies per store transaction: the peak RSS grows with it (10 MB: 135 MB)
	parseWorkers  = 2       // envelope parsing goroutines, off the connection's read path
	parseQueue    = 8       // fetched messages waiting for a parse worker (bounds memory: see limits.go)
)

var errStoreFailed = errors.New("mail: store write failed")

// fetched is one message read off the wire.
type fetched struct {
	uid   uint32
	flags []string
	size  int64
	date  time.Time
	body  []byte
	env   *imap.Envelope
	bs    imap.BodyStructure
	// streamed: the body went to the store as it was read (above streamThreshold).
	streamed bool
}

// fetchNew stores the messages uids (ascending) of the selected folder f: bodies for all of
// INBOX, and elsewhere for messages within the age and size policy; envelopes only for the
// others. Returns the UIDs stored.
func (s *session) fetchNew(ctx context.Context, f *store.Folder, uids []imap.UID) ([]uint32, error) {
	var withBody, withoutBody, large []imap.UID
	if f.Name == "INBOX" {
		// Every body of INBOX is kept: no pre-pass for sizes, which would make the server
		// read every message once before sending the first body. Bodies above
		// streamThreshold are streamed to the store as their literal arrives.
		withBody = uids
	} else {
		var sizes map[imap.UID]int64
		var err error
		withBody, withoutBody, sizes, err = s.splitByPolicy(f.Name, uids)
		if err != nil {
			return nil, err
		}
		withBody, large = splitBySize(withBody, sizes)
	}
	// The folder's UIDNext may advance batch by batch only when one ascending pass covers
	// every UID: then an interrupted sync resumes where it stopped.
	w := s.newWriter(ctx, f, uids, len(withoutBody) == 0 && len(large) == 0)
	err := s.fetchPipelined(ctx, withBody, true, w)
	if err == nil && len(w.streamed) > 0 {
		err = s.completeStreamed(ctx, f, w.streamed, w)
	}
	if err == nil && len(large) > 0 {
		err = s.fetchLarge(ctx, f, large, w)
	}
	if err == nil && len(withoutBody) > 0 {
		err = s.fetchPipelined(ctx, withoutBody, false, w)
	}
	stored, werr := w.finish()
	if err == nil {
		err = werr
	}
	req := fmt.Sprintf("UID FETCH %s (%d with body, %d streamed)", f.Name, len(withBody), len(large)+len(w.streamed))
	s.e.audit(s.bal, ActionFetch, req, describeUIDs(stored), err)
	return stored, err
}

// splitByPolicy asks for sizes and dates, and splits uids into those whose body is kept:
// all of INBOX, elsewhere those within the age and size policy.
func (s *session) splitByPolicy(folder string, uids []imap.UID) (body, noBody []imap.UID, sizes map[imap.UID]int64, err error) {
	p := s.e.cfg.Policy
	since := time.Now().Add(-p.MaxAge)
	msgs, err := s.collectFetched(s.c.Fetch(uidSetOf(uids), &imap.FetchOptions{UID: true, RFC822Size: true, InternalDate: true}))
	if err != nil {
		s.c.Close()
		return nil, nil, nil, fmt.Errorf("mail: UID FETCH sizes %s: %w", s.selected, err)
	}
	keep := make(map[imap.UID]bool, len(msgs))
	sizes = make(map[imap.UID]int64, len(msgs))
	for _, m := range msgs {
		u := imap.UID(m.uid)
		keep[u] = folder == "INBOX" || m.size <= p.MaxSize && !m.date.Before(since)
		sizes[u] = m.size
	}
	for _, u := range uids {
		if keep[u] {
			body = append(body, u)
		} else {
			noBody = append(noBody, u)
		}
	}
	return body, noBody, sizes, nil
}

func uidSetOf(uids []imap.UID) imap.UIDSet {
	var set imap.UIDSet
	for _, u := range uids {
		if n := len(set); n > 0 && set[n-1].Stop+1 == u {
			set[n-1].Stop = u
			continue
		}
		set = append(set, imap.UIDRange{Start: u, Stop: u})
	}
	return set
}

// fetchPipelined issues UID FETCH commands of fetchBatch UIDs, keeping fetchWindow of them
// in flight so the server never waits for a round trip, and hands each message to w. Dovecot
// runs pipelined FETCH commands in parallel and interleaves their responses, so every
// command in flight has its own consumer goroutine; consumers only read the literal and hand
// it to parseWorkers goroutines, so the connection is never held while an envelope is parsed.
func (s *session) fetchPipelined(ctx context.Context, uids []imap.UID, bodies bool, w *writer) error {
	opts := &imap.FetchOptions{UID: true, Flags: true, RFC822Size: true, InternalDate: true}
	if bodies {
		opts.BodySection = []*imap.FetchItemBodySection{{Peek: true}}
	} else {
		opts.Envelope = true
		opts.BodyStructure = &imap.FetchItemBodyStructure{Extended: true}
	}
	toParse := make(chan *fetched, parseQueue)
	var parsers sync.WaitGroup
	for range parseWorkers {
		parsers.Go(func() {
			for fm := range toParse {
				_ = w.add(w.message(fm)) // fails only once the writer failed: the consumers stop then
			}
		})
	}
	defer parsers.Wait()
	defer close(toParse)
	consume := func(cmd *imapclient.FetchCommand) error {
		for {
			m := cmd.Next()
			if m == nil {
				break
			}
			fm, err := w.readFetched(m)
			if err != nil {
				// Drop the connection first: closing the command would read the rest of
				// the response, a literal of any size included.
				s.c.Close()
				_ = cmd.Close()
				return err
			}
			if fm.uid == 0 {
				continue
			}
			if fm.streamed {
				w.noteStreamed(fm.uid) // its envelope is read after this pass
				continue
			}
			if w.failed.Load() {
				_ = cmd.Close()
				return errStoreFailed
			}
			// Parsing happens on the parse workers: the consumer goes straight back to the
			// connection, which no other command's response can use while a literal is unread.
			toParse <- fm
		}
		return cmd.Close()
	}
	done := make(chan error, fetchWindow)
	inflight, next := 0, 0
	var firstErr error
	for next < len(uids) || inflight > 0 {
		for firstErr == nil && inflight < fetchWindow && next < len(uids) {
			end := min(next+fetchBatch, len(uids))
			cmd := s.c.Fetch(uidSetOf(uids[next:end]), opts)
			go func() { done <- consume(cmd) }()
			inflight++
			next = end
		}
		if inflight == 0 {
			break
		}
		if err := <-done; err != nil && firstErr == nil {
			firstErr = fmt.Errorf("mail: UID FETCH %s: %w", s.selected, err)
			// Unblock the other consumers: the session is unusable after a failed FETCH.
			s.c.Close()
		}
		inflight--
		if firstErr == nil {
			firstErr = ctx.Err()
		}
	}
	return firstErr
}

// readFetched reads one FETCH response: a body literal up to streamThreshold into a
// buffer of the announced size, a larger one straight into the store (the body is then
// stored, its envelope not yet). go-imap hands a UID FETCH command only the responses
// whose UID came before any literal (the others go to the unsolicited handler), so the
// message's reference is known. A literal above maxBodySize is not read at all:
// ErrServerTooLarge, and the caller drops the connection.
func (w *writer) readFetched(m *imapclient.FetchMessageData) (*fetched, error) {
	fm := &fetched{}
	for item := m.Next(); item != nil; item = m.Next() {
		lit := fm.note(item)
		if lit == nil {
			continue
		}
		if fm.body != nil || fm.streamed {
			if err := discardLiteral(lit); err != nil { // a second body: not asked for
				return nil, w.s.refuse(lit, err)
			}
			continue
		}
		n := lit.Size()
		switch {
		case n > maxBodySize:
			return nil, w.s.refuse(lit, tooLarge(fmt.Sprintf("message UID %d", fm.uid), n))
		case n > streamThreshold && fm.uid == 0:
			return nil, w.s.refuse(lit, fmt.Errorf("mail: UID FETCH: a body of %d bytes before the UID", n))
		case n > streamThreshold:
			ref := refOf(w.s.bal, w.f.Name, fm.uid)
			if _, err := w.s.e.cfg.Store.WriteBody(ref, lit); err != nil {
				return nil, w.s.refuse(lit, err) // the literal may be half read
			}
			fm.streamed = true
		default:
			buf := make([]byte, n)
			if _, err := io.ReadFull(lit, buf); err != nil {
				return nil, err
			}
			fm.body = buf
		}
	}
	return fm, nil
}

// note records one metadata item of a FETCH response in fm and returns the body literal, if
// item is one, for the caller to buffer or stream.
func (fm *fetched) note(item imapclient.FetchItemData) imap.LiteralReader {
	switch it := item.(type) {
	case imapclient.FetchItemDataUID:
		fm.uid = uint32(it.UID)
	case imapclient.FetchItemDataFlags:
		fm.flags = flagStrings(it.Flags)
	case imapclient.FetchItemDataRFC822Size:
		fm.size = it.Size
	case imapclient.FetchItemDataInternalDate:
		fm.date = it.Time
	case imapclient.FetchItemDataEnvelope:
		fm.env = it.Envelope
	case imapclient.FetchItemDataBodyStructure:
		fm.bs = it.BodyStructure
	case imapclient.FetchItemDataBodySection:
		return it.Literal
	}
	return nil
}

// writer stores parsed messages in batches on its own goroutine, so the store's encryption
// and disk writes overlap with the network.
type writer struct {
	s       *session
	f       *store.Folder
	advance bool
	total   int

	in   chan store.Message
	done chan struct{}
	ctx  context.Context

	stored []uint32
	err    error
	failed atomic.Bool

	mu       sync.Mutex
	streamed []imap.UID // bodies stored by readFetched, waiting for their envelope

	order   []uint32        // every UID of this pass, ascending (for the resumable UIDNext)
	doneSet map[uint32]bool // stored UIDs not yet below the resumable point
	next    int             // order[:next] are all stored
}

func (s *session) newWriter(ctx context.Context, f *store.Folder, uids []imap.UID, advance bool) *writer {
	w := &writer{s: s, f: f, advance: advance, total: len(uids), in: make(chan store.Message, writerQueue),
		done: make(chan struct{}), ctx: ctx, doneSet: map[uint32]bool{}}
	for _, u := range uids {
		w.order = append(w.order, uint32(u))
	}
	slices.Sort(w.order)
	go w.loop()
	return w
}

// message turns a fetched message into its store record.
func (w *writer) message(fm *fetched) store.Message {
	ref := refOf(w.s.bal, w.f.Name, fm.uid)
	var env store.Envelope
	if fm.body != nil {
		env = envelopeFromRaw(ref, fm.body)
	} else {
		env = envelopeFromIMAP(ref, fm.env, fm.bs, fm.size)
	}
	env.Flags = fm.flags
	if fm.size > 0 {
		env.Size = fm.size
	}
	if env.Date.IsZero() {
		env.Date = fm.date
	}
	return store.Message{Envelope: env, Body: fm.body}
}

func (w *writer) noteStreamed(uid uint32) {
	w.mu.Lock()
	w.streamed = append(w.streamed, imap.UID(uid))
	w.mu.Unlock()
}

func (w *writer) add(m store.Message) error {
	if w.failed.Load() {
		return errStoreFailed
	}
	w.in <- m
	return nil
}

func (w *writer) finish() ([]uint32, error) {
	close(w.in)
	<-w.done
	slices.Sort(w.stored)
	return w.stored, w.err
}

// loop gathers messages into batches and hands each full batch to a committer goroutine,
// so fetching and parsing the next batch overlap the store commit (fsync) of the previous
// one. The hand-off is unbuffered: at most one batch commits while the next one fills, which
// bounds memory at two batches.
func (w *writer) loop() {
	defer close(w.done)
	commits := make(chan []store.Message)
	committed := make(chan struct{})
	go func() {
		defer close(committed)
		for batch := range commits {
			if w.failed.Load() {
				continue // drain so the collector is never blocked
			}
			if err := w.commit(batch); err != nil {
				w.err = err
				w.failed.Store(true)
			}
		}
	}()
	var batch []store.Message
	var bytes int
	for m := range w.in {
		if w.failed.Load() {
			continue // drain so the fetchers are never blocked
		}
		batch = append(batch, m)
		bytes += len(m.Body)
		if len(batch) >= storeBatch || bytes >= storeBatchMax {
			commits <- batch
			batch, bytes = nil, 0
		}
	}
	if len(batch) > 0 {
		commits <- batch
	}
	close(commits)
	<-committed
}

// commit stores one batch, then (only once it is durable) records its UIDs, advances the
// folder's resumable UIDNext and reports progress: a crash never skips a message.
func (w *writer) commit(batch []store.Message) error {
	if err := w.s.e.cfg.Store.PutMessages(batch); err != nil {
		return fmt.Errorf("mail: store %d messages in %s: %w", len(batch), w.f.Name, err)
	}
	w.s.e.notePatients(batch)
	for _, m := range batch {
		w.stored = append(w.stored, m.Envelope.UID)
		w.doneSet[m.Envelope.UID] = true
	}
	moved := false
	for w.next < len(w.order) && w.doneSet[w.order[w.next]] {
		delete(w.doneSet, w.order[w.next])
		w.next++
		moved = true
	}
	if w.advance && moved {
		w.f.UIDNext = max(w.f.UIDNext, w.order[w.next-1]+1)
		if err := w.s.e.cfg.Store.PutFolder(*w.f); err != nil {
			return fmt.Errorf("mail: save folder %s: %w", w.f.Name, err)
		}
	}
	w.s.e.emit(Progress{BAL: w.s.bal, Folder: w.f.Name, Done: len(w.stored), Total: w.total})
	return nil
}
