package annuaire

import (
	"encoding/binary"
	"slices"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// Match classes of a token against a query term, best first. The class decides the score.
const (
	classExactName = iota
	classPrefixName
	classExactOther
	classPrefixOther
)

// classScore is what one matched term adds to an entry's score.
var classScore = [4]uint16{8, 6, 4, 2}

func classOf(exact, name bool) int {
	switch {
	case exact && name:
		return classExactName
	case name:
		return classPrefixName
	case exact:
		return classExactOther
	}
	return classPrefixOther
}

// shortBuilder computes, for every prefix of 1..shortMax runes, the shortCap best entries
// (by class, then id — ids follow name order). Tokens arrive in key order, so the tokens
// sharing a prefix are adjacent and each prefix is finished when the next one starts.
type shortBuilder struct {
	prefix [shortMax + 1]string
	acc    [shortMax + 1][]uint64 // class<<32 | id
	seen   map[uint32]bool
}

func newShortBuilder() *shortBuilder { return &shortBuilder{seen: map[uint32]bool{}} }

func (s *shortBuilder) add(bk *bolt.Bucket, tok string, buf []byte) error {
	names, others := firstIDs(buf, shortCap)
	end := 0
	for k := 1; k <= shortMax; k++ {
		if end >= len(tok) {
			break
		}
		_, size := utf8.DecodeRuneInString(tok[end:])
		end += size
		p := tok[:end]
		if p != s.prefix[k] {
			if err := s.flushOne(bk, k); err != nil {
				return err
			}
			s.prefix[k] = p
		}
		exact := end == len(tok)
		cn, co := uint64(classOf(exact, true))<<32, uint64(classOf(exact, false))<<32
		for _, id := range names {
			s.acc[k] = append(s.acc[k], cn|uint64(id))
		}
		for _, id := range others {
			s.acc[k] = append(s.acc[k], co|uint64(id))
		}
		if len(s.acc[k]) > 8*shortCap {
			s.compact(k)
		}
	}
	return nil
}

// firstIDs decodes the first n name ids and the first n other ids of a posting list.
func firstIDs(buf []byte, n int) (names, others []uint32) {
	var id uint32
	for len(buf) > 0 && (len(names) < n || len(others) < n) {
		v, k := binary.Uvarint(buf)
		if k <= 0 {
			break
		}
		buf = buf[k:]
		id += uint32(v >> 1)
		if v&1 == 1 {
			if len(names) < n {
				names = append(names, id)
			}
		} else if len(others) < n {
			others = append(others, id)
		}
	}
	return names, others
}

// compact keeps the shortCap best distinct entries of prefix length k.
func (s *shortBuilder) compact(k int) {
	a := s.acc[k]
	slices.Sort(a)
	clear(s.seen)
	out := a[:0]
	for _, v := range a {
		id := uint32(v)
		if s.seen[id] {
			continue
		}
		s.seen[id] = true
		out = append(out, v)
		if len(out) == shortCap {
			break
		}
	}
	s.acc[k] = out
}

func (s *shortBuilder) flushOne(bk *bolt.Bucket, k int) error {
	if s.prefix[k] == "" || len(s.acc[k]) == 0 {
		s.acc[k] = s.acc[k][:0]
		return nil
	}
	s.compact(k)
	val := make([]byte, 0, 5*len(s.acc[k]))
	for _, v := range s.acc[k] {
		val = binary.BigEndian.AppendUint32(val, uint32(v))
		val = append(val, byte(v>>32))
	}
	s.acc[k] = s.acc[k][:0]
	return bk.Put([]byte(s.prefix[k]), val)
}

// flush writes every pending prefix (k == 0) or only those of length k.
func (s *shortBuilder) flush(bk *bolt.Bucket, k int) error {
	for i := 1; i <= shortMax; i++ {
		if k == 0 || k == i {
			if err := s.flushOne(bk, i); err != nil {
				return err
			}
			s.prefix[i] = ""
		}
	}
	return nil
}
