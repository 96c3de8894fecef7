package annuaire

import (
	"bufio"
	"bytes"
	"container/heap"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"slices"
)

// extSorter sorts (key, id) pairs that may not fit in memory: pairs are buffered up to
// runBytes, then sorted and written as a run to a temporary file; each merges the runs.
// Import uses it for the identifier and address indexes (a million keys or more).
type extSorter struct {
	dir      string
	runBytes int
	arena    []byte
	ents     []keyEnt
	runs     []*os.File
}

type keyEnt struct {
	pfx uint64 // first 8 bytes of the key: most comparisons end there
	off uint32
	n   uint16
	id  uint32
}

func newExtSorter(dir string, runBytes int) *extSorter {
	return &extSorter{dir: dir, runBytes: runBytes}
}

func (s *extSorter) add(key string, id uint32) error {
	if key == "" || len(key) > 1000 {
		return nil
	}
	var pfx [8]byte
	copy(pfx[:], key)
	s.ents = append(s.ents, keyEnt{pfx: binary.BigEndian.Uint64(pfx[:]), off: uint32(len(s.arena)), n: uint16(len(key)), id: id})
	s.arena = append(s.arena, key...)
	if len(s.arena)+len(s.ents)*24 >= s.runBytes {
		return s.flushRun()
	}
	return nil
}

func (s *extSorter) key(e keyEnt) []byte { return s.arena[e.off : e.off+uint32(e.n)] }

func (s *extSorter) sortMem() {
	slices.SortFunc(s.ents, func(a, b keyEnt) int {
		if a.pfx != b.pfx {
			if a.pfx < b.pfx {
				return -1
			}
			return 1
		}
		if c := bytes.Compare(s.key(a), s.key(b)); c != 0 {
			return c
		}
		return int(a.id) - int(b.id)
	})
}

func (s *extSorter) flushRun() error {
	s.sortMem()
	f, err := os.CreateTemp(s.dir, ".annuaire-run-*")
	if err != nil {
		return fmt.Errorf("annuaire: temporary file: %w", err)
	}
	s.runs = append(s.runs, f)
	w := bufio.NewWriterSize(f, 256<<10)
	var rec []byte
	for _, e := range s.ents {
		rec = binary.AppendUvarint(rec[:0], uint64(e.n))
		rec = append(rec, s.key(e)...)
		rec = binary.BigEndian.AppendUint32(rec, e.id)
		w.Write(rec)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("annuaire: write temporary file: %w", err)
	}
	s.arena, s.ents = s.arena[:0], s.ents[:0]
	return nil
}

// close removes the temporary files.
func (s *extSorter) close() {
	for _, f := range s.runs {
		f.Close()
		os.Remove(f.Name())
	}
	s.runs = nil
}

// runReader reads back one sorted run.
type runReader struct {
	r   *bufio.Reader
	key []byte
	id  uint32
}

func (r *runReader) next() (bool, error) {
	n, err := binary.ReadUvarint(r.r)
	if err == io.EOF {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	r.key = slices.Grow(r.key[:0], int(n)+4)[:n+4]
	if _, err := io.ReadFull(r.r, r.key); err != nil {
		return false, err
	}
	r.id = binary.BigEndian.Uint32(r.key[n:])
	r.key = r.key[:n]
	return true, nil
}

type runHeap []*runReader

func (h runHeap) Len() int { return len(h) }
func (h runHeap) Less(i, j int) bool {
	if c := bytes.Compare(h[i].key, h[j].key); c != 0 {
		return c < 0
	}
	return h[i].id < h[j].id
}
func (h runHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)   { *h = append(*h, x.(*runReader)) }
func (h *runHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// each calls fn with every pair in key order (then id order). The key is only valid
// during the call.
func (s *extSorter) each(fn func(key []byte, id uint32) error) error {
	if len(s.runs) == 0 {
		s.sortMem()
		for _, e := range s.ents {
			if err := fn(s.key(e), e.id); err != nil {
				return err
			}
		}
		return nil
	}
	if len(s.ents) > 0 {
		if err := s.flushRun(); err != nil {
			return err
		}
	}
	s.arena, s.ents = nil, nil
	h := make(runHeap, 0, len(s.runs))
	for _, f := range s.runs {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("annuaire: read temporary file: %w", err)
		}
		r := &runReader{r: bufio.NewReaderSize(f, 64<<10)}
		ok, err := r.next()
		if err != nil {
			return fmt.Errorf("annuaire: read temporary file: %w", err)
		}
		if ok {
			h = append(h, r)
		}
	}
	heap.Init(&h)
	for len(h) > 0 {
		r := h[0]
		if err := fn(r.key, r.id); err != nil {
			return err
		}
		ok, err := r.next()
		if err != nil {
			return fmt.Errorf("annuaire: read temporary file: %w", err)
		}
		if ok {
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
	}
	return nil
}
