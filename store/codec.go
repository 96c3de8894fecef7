package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Message records are the hot path (Page decodes 50 per call), so they use a compact
// binary encoding instead of JSON: a version byte, then fields in a fixed order, strings
// and lists prefixed by their uvarint length. Records written as JSON by schemas 1–2
// (first byte '{') still decode. A new field means a new version byte, old ones still read.
const msgCodecV1 = 1

var errShort = errors.New("truncated record")

type encoder struct{ b []byte }

func (e *encoder) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) varint(v int64)   { e.b = binary.AppendVarint(e.b, v) }
func (e *encoder) str(s string)     { e.uvarint(uint64(len(s))); e.b = append(e.b, s...) }
func (e *encoder) strs(ss []string) {
	e.uvarint(uint64(len(ss)))
	for _, s := range ss {
		e.str(s)
	}
}
func (e *encoder) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}
func (e *encoder) addr(a Address) { e.str(a.Name); e.str(a.Email) }
func (e *encoder) addrs(as []Address) {
	e.uvarint(uint64(len(as)))
	for _, a := range as {
		e.addr(a)
	}
}
func (e *encoder) time(t time.Time) {
	_, off := t.Zone()
	e.varint(t.Unix())
	e.uvarint(uint64(t.Nanosecond()))
	e.varint(int64(off))
}

func encodeMsg(r *msgRecord) []byte {
	en := &encoder{b: make([]byte, 0, 256)}
	en.b = append(en.b, msgCodecV1)
	en.uvarint(r.Doc)
	x := &r.Env
	en.str(x.BAL)
	en.str(x.Folder)
	en.uvarint(uint64(x.UID))
	en.str(x.MessageID)
	en.str(x.InReplyTo)
	en.strs(x.References)
	en.time(x.Date)
	en.addr(x.From)
	en.addrs(x.To)
	en.addrs(x.Cc)
	en.str(x.Subject)
	en.strs(x.Flags)
	en.varint(x.Size)
	en.uvarint(uint64(len(x.Attachments)))
	for _, a := range x.Attachments {
		en.str(a.Name)
		en.str(a.ContentType)
		en.varint(a.Size)
	}
	en.bool(x.Patient != nil)
	if x.Patient != nil {
		en.str(x.Patient.INS)
		en.str(x.Patient.Name)
	}
	en.str(x.Kind)
	en.bool(x.MDNRequested)
	en.bool(x.Confidential)
	en.str(x.Preview)
	return en.b
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errShort
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errShort
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a list length, refusing lengths the remaining bytes cannot hold.
func (d *decoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.err = errShort
		return 0
	}
	return int(n)
}

func (d *decoder) str() string {
	n := d.count()
	if d.err != nil {
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) strs() []string {
	n := d.count()
	if n == 0 {
		return nil
	}
	ss := make([]string, n)
	for i := range ss {
		ss[i] = d.str()
	}
	return ss
}

func (d *decoder) bool() bool {
	if d.err != nil || len(d.b) == 0 {
		d.err = errShort
		return false
	}
	v := d.b[0] != 0
	d.b = d.b[1:]
	return v
}

func (d *decoder) addr() Address { return Address{Name: d.str(), Email: d.str()} }

func (d *decoder) addrs() []Address {
	n := d.count()
	if n == 0 {
		return nil
	}
	as := make([]Address, n)
	for i := range as {
		as[i] = d.addr()
	}
	return as
}

func (d *decoder) time() time.Time {
	sec, nsec, off := d.varint(), d.uvarint(), d.varint()
	if d.err != nil || nsec >= 1e9 || off < -18*3600 || off > 18*3600 {
		d.err = errShort
		return time.Time{}
	}
	t := time.Unix(sec, int64(nsec))
	if off == 0 {
		return t.UTC()
	}
	return t.In(time.FixedZone("", int(off)))
}

func decodeMsg(b []byte, r *msgRecord) error {
	if len(b) > 0 && b[0] == '{' {
		return json.Unmarshal(b, r)
	}
	if len(b) == 0 || b[0] != msgCodecV1 {
		return fmt.Errorf("unknown message record version")
	}
	d := &decoder{b: b[1:]}
	r.Doc = d.uvarint()
	x := &r.Env
	x.BAL = d.str()
	x.Folder = d.str()
	x.UID = uint32(d.uvarint())
	x.MessageID = d.str()
	x.InReplyTo = d.str()
	x.References = d.strs()
	x.Date = d.time()
	x.From = d.addr()
	x.To = d.addrs()
	x.Cc = d.addrs()
	x.Subject = d.str()
	x.Flags = d.strs()
	x.Size = d.varint()
	if n := d.count(); n > 0 {
		x.Attachments = make([]Attachment, n)
		for i := range x.Attachments {
			x.Attachments[i] = Attachment{Name: d.str(), ContentType: d.str(), Size: d.varint()}
		}
	}
	if d.bool() {
		x.Patient = &PatientRef{INS: d.str(), Name: d.str()}
	}
	x.Kind = d.str()
	x.MDNRequested = d.bool()
	x.Confidential = d.bool()
	x.Preview = d.str()
	return d.err
}

// putMsg seals and stores a message record.
func (x bkt) putMsg(key []byte, r *msgRecord) error {
	plain := encodeMsg(r)
	defer wipe(plain)
	return x.b.Put(key, x.k.seal(x.name, key, plain))
}

// decodeMsgValue authenticates and decodes a sealed message record.
func (x bkt) decodeMsgValue(key, sealed []byte, r *msgRecord) error {
	plain, err := x.k.open(x.name, key, sealed)
	if err != nil {
		return err
	}
	defer wipe(plain)
	if err := decodeMsg(plain, r); err != nil {
		return fmt.Errorf("%w: decode %s: %w", ErrCorrupt, x.name, err)
	}
	return nil
}
