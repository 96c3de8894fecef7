package msg

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzParse feeds arbitrary bytes to the parser (without Parse's recover, so that a panic is
// a failure) and to everything that consumes a parsed message. Seeds: testdata/*.eml,
// testdata/fuzz/FuzzParse and messages Build writes.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.eml"))
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	ins := "279035121518989"
	for _, d := range []Draft{
		{From: pharmacie, To: []Address{medecin}, Subject: "é", Text: "x", RequestMDN: true,
			Attachments: []Attachment{{Name: "ü.pdf", Data: []byte("%PDF")}}},
		{From: pharmacie, To: []Address{{Email: ins + "@" + PatientDomain}}, Documents: testPackage(f, ins)},
		{From: medecin, To: []Address{pharmacie}, Attachments: []Attachment{{Name: XDMName, Data: ansArchive(f)}}}, // ANS layout
	} {
		b, err := Build(d, opts)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b.Raw)
	}
	me := Address{Email: "me@sandbox.mssante.test"}
	f.Fuzz(func(t *testing.T, raw []byte) {
		// A hang is a bug too: the panic ends the worker and the fuzzer keeps the input.
		wd := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("msg: parse hangs on %q", raw)) })
		defer wd.Stop()
		p, err := parse(raw, false)
		if err != nil {
			return
		}
		// The indexing parse sees the same message, XDM documents' content aside.
		e, err := parse(raw, true)
		if err != nil {
			t.Fatalf("ParseEnvelope fails where Parse does not: %v", err)
		}
		if e.Subject != p.Subject || e.Body != p.Body || len(e.Attachments) != len(p.Attachments) ||
			(e.Patient == nil) != (p.Patient == nil) || e.Kind() != p.Kind() {
			t.Fatalf("ParseEnvelope differs from Parse")
		}
		_ = p.Preview()
		_ = p.Text()
		_ = p.Kind()
		for i, a := range p.Attachments {
			if i > 2 && i < len(p.Attachments)-1 {
				continue // each Open walks the message again: sample first and last
			}
			r, err := p.Open(a.Index)
			if err != nil {
				t.Fatalf("attachment %d listed but not openable: %v", a.Index, err)
			}
			n, _ := io.Copy(io.Discard, r)
			if a.Index != p.XDMIndex && n != a.Size {
				t.Fatalf("attachment %d: %d bytes, indexed as %d", a.Index, n, a.Size)
			}
		}
		_ = Reply(p, true, me.Email)
		_ = Forward(p)
		if mdn, err := BuildMDNMessage(p, me, BuildOptions{Now: time.Unix(0, 0)}); err == nil {
			if _, err := parse(mdn.Raw, false); err != nil {
				t.Fatalf("our MDN does not parse: %v", err)
			}
		}
		_ = HTMLToText(bytes.NewReader(raw))
	})
}
