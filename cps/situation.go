package cps

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Situation is one practice situation ("situation d'exercice") read from a private
// CPS_ACTIVITY_xx_PS object.
type Situation struct {
	Index           int    // xx of CPS_ACTIVITY_xx_PS
	StructureName   string // raison sociale (tag 0x84)
	StructureIDType int    // TRE_G07: 0 cabinet ADELI, 1 FINESS, 2 SIREN, 3 SIRET, 4 cabinet RPPS, 5 FINESS EJ
	StructureID     string
	FINESS          string // StructureID when StructureIDType is 1
	Sector          string // secteur d'activité (tag 0x86), e.g. "SA33"
}

// BER-TLV tags of an activity object.
const (
	tagActivity      = 0xEE
	tagStructureName = 0x84
	tagStructureID   = 0x85
	tagSector        = 0x86
)

// ParseSituation decodes a CPS_ACTIVITY_xx_PS value: a 0xEE container holding 0x84 (name),
// 0x85 (structure id type digit + id) and 0x86 (sector). Unknown tags are skipped. It
// never panics on malformed input.
func ParseSituation(index int, value []byte) (Situation, error) {
	tag, body, _, err := readTLV(value)
	if err != nil {
		return Situation{}, fmt.Errorf("cps: activity %02d: %w", index, err)
	}
	if tag != tagActivity {
		return Situation{}, fmt.Errorf("cps: activity %02d: container tag %#x, want 0xee", index, tag)
	}
	s := Situation{Index: index}
	for len(body) > 0 {
		var v []byte
		tag, v, body, err = readTLV(body)
		if err != nil {
			return Situation{}, fmt.Errorf("cps: activity %02d: %w", index, err)
		}
		switch tag {
		case tagStructureName:
			s.StructureName = text(v)
		case tagStructureID:
			id := text(v)
			if id == "" {
				continue
			}
			if id[0] < '0' || id[0] > '9' {
				return Situation{}, fmt.Errorf("cps: activity %02d: structure id %q has no type digit", index, id)
			}
			s.StructureIDType = int(id[0] - '0')
			s.StructureID = id[1:]
			if s.StructureIDType == 1 {
				s.FINESS = s.StructureID
			}
		case tagSector:
			s.Sector = text(v)
		}
	}
	return s, nil
}

// readTLV reads one BER-TLV with a one-byte tag and a short or long (up to 3 bytes) length.
func readTLV(b []byte) (tag byte, value, rest []byte, err error) {
	if len(b) < 2 {
		return 0, nil, nil, errors.New("truncated TLV")
	}
	tag, n := b[0], int(b[1])
	b = b[2:]
	if n&0x80 != 0 {
		size := n & 0x7f
		if size == 0 || size > 3 || len(b) < size {
			return 0, nil, nil, errors.New("bad TLV length")
		}
		n = 0
		for _, c := range b[:size] {
			n = n<<8 | int(c)
		}
		b = b[size:]
	}
	if n > len(b) {
		return 0, nil, nil, errors.New("TLV longer than its container")
	}
	return tag, b[:n], b[n:], nil
}

// text decodes a card string: UTF-8 when valid, else ISO-8859-1; padding trimmed.
func text(b []byte) string {
	s := string(b)
	if !utf8.ValidString(s) {
		r := make([]rune, len(b))
		for i, c := range b {
			r[i] = rune(c)
		}
		s = string(r)
	}
	return strings.TrimRight(strings.TrimSpace(s), "\x00")
}
