package msg

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// streamCorpus is testdata/*.eml, messages Build writes (attachments, an XDM package),
// nested multiparts, LF line endings, and a message that is a single attachment.
func streamCorpus(t testing.TB) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	files, _ := filepath.Glob(filepath.Join("testdata", "*.eml"))
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(name)] = raw
	}
	ins := "279035121518989"
	for name, d := range map[string]Draft{
		"built": {From: pharmacie, To: []Address{medecin}, Subject: "é", Text: "x",
			Attachments: []Attachment{{Name: "ü.pdf", Data: testPDF}, {Name: "notes.txt", ContentType: "text/plain", Data: []byte("ligne 1\r\nligne 2\r\n")},
				{Name: "vide.bin", Data: nil}, {Name: "gros.bin", Data: bytes.Repeat([]byte{0, 1, 2, 0xff}, 50_000)}}},
		"xdm":            {From: pharmacie, To: []Address{{Email: ins + "@" + PatientDomain}}, Documents: testPackage(t, ins)},
		"xdm-unreadable": {From: medecin, To: []Address{pharmacie}, Attachments: []Attachment{{Name: XDMName, Data: []byte("PK not a zip")}}},
	} {
		b, err := Build(d, opts)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = b.Raw
	}
	nested := "From: a@b.test\r\nSubject: imbriqué\r\nContent-Type: multipart/mixed; boundary=\"ext\"\r\n\r\n" +
		"préambule\r\n--ext\r\nContent-Type: multipart/alternative; boundary=alt\r\n\r\n--alt\r\nContent-Type: text/plain\r\n\r\ntexte\r\n" +
		"--alt\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--alt--\r\n" +
		"--ext\r\nContent-Type: multipart/related; boundary=\"rel\"\r\n\r\n--rel\r\nContent-Type: text/html\r\n\r\n<img src=cid:x>\r\n" +
		"--rel\r\nContent-Type: image/png\r\nContent-Id: <x>\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--rel--\r\n" +
		"--ext \t\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n%PDF-1.4 =C3=A9=\r\nfin\r\n" +
		"--ext\r\nContent-Type: message/rfc822\r\n\r\nSubject: joint\r\n\r\ncorps\r\n--ext--\r\népilogue\r\n"
	out["nested"] = []byte(nested)
	out["lf"] = []byte(strings.ReplaceAll(nested, "\r\n", "\n"))
	out["single"] = []byte("From: a@b.test\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=seul.pdf\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\nJSVFT0YK\r\n")
	return out
}

// checkStream parses raw both ways and checks that ParseStream reads what Parse reads, that
// Inspect saw each attachment's content, and that each recorded span decodes to it.
func checkStream(t *testing.T, raw []byte, fuzzing bool) {
	p, err := parse(raw, false)
	if err != nil {
		if _, err := parseStream(bytes.NewReader(raw), StreamOptions{}); err == nil && !fuzzing {
			t.Errorf("ParseStream reads a message Parse refuses")
		}
		return
	}
	seen := map[int][]byte{}
	var progress []AttachmentInfo // the last attachment at each Progress call
	s, err := parseStream(iotest.HalfReader(bytes.NewReader(raw)), StreamOptions{Inspect: func(info AttachmentInfo, r io.Reader) {
		if _, dup := seen[info.Index]; dup {
			t.Fatalf("attachment %d inspected twice", info.Index)
		}
		b, _ := io.ReadAll(r)
		seen[info.Index] = b
	}, Progress: func(p *Parsed) {
		if len(p.Attachments) != len(progress)+1 {
			t.Fatalf("Progress with %d attachments after %d calls", len(p.Attachments), len(progress))
		}
		progress = append(progress, p.Attachments[len(p.Attachments)-1])
	}})
	if err != nil {
		t.Fatalf("ParseStream fails where Parse does not: %v", err)
	}
	if s.Subject != p.Subject || s.Body != p.Body || len(s.Attachments) != len(p.Attachments) || s.Kind() != p.Kind() ||
		(s.XDM == nil) != (p.XDM == nil) || (s.XDMError == nil) != (p.XDMError == nil) || len(s.Defects) != len(p.Defects) {
		t.Fatalf("ParseStream differs from Parse:\n%+v\n%+v", s, p)
	}
	if len(seen) != len(s.Attachments) || len(progress) != len(s.Attachments) {
		t.Fatalf("%d attachments inspected, %d Progress calls, of %d", len(seen), len(progress), len(s.Attachments))
	}
	for i, a := range progress {
		if a.Offset != s.Attachments[i].Offset || a.RawSize != s.Attachments[i].RawSize {
			t.Fatalf("attachment %d: Progress saw it at %d+%d, the end at %d+%d", i, a.Offset, a.RawSize, s.Attachments[i].Offset, s.Attachments[i].RawSize)
		}
	}
	for i, a := range s.Attachments {
		if a.Name != p.Attachments[i].Name || a.Size != p.Attachments[i].Size {
			t.Fatalf("attachment %d: %q %d bytes, Parse says %q %d", i, a.Name, a.Size, p.Attachments[i].Name, p.Attachments[i].Size)
		}
		if a.Offset < 0 || a.RawSize < 0 || a.Offset+a.RawSize > int64(len(raw)) {
			t.Fatalf("attachment %d: span %d+%d outside the %d bytes", i, a.Offset, a.RawSize, len(raw))
		}
		r, err := p.Open(a.Index)
		if err != nil {
			t.Fatalf("attachment %d: %v", i, err)
		}
		want, _ := io.ReadAll(r)
		got, _ := io.ReadAll(DecodeBody(a.Encoding, bytes.NewReader(raw[a.Offset:a.Offset+a.RawSize])))
		if !bytes.Equal(got, want) {
			t.Fatalf("attachment %d: its span decodes to %q, OpenAttachment gives %q", i, clipBytes(got), clipBytes(want))
		}
		if i != s.XDMIndex && !bytes.Equal(seen[i], want) {
			t.Fatalf("attachment %d: Inspect saw %q, OpenAttachment gives %q", i, clipBytes(seen[i]), clipBytes(want))
		}
	}
}

func clipBytes(b []byte) string {
	if len(b) > 60 {
		return fmt.Sprintf("%q… (%d bytes)", b[:60], len(b))
	}
	return fmt.Sprintf("%q", b)
}

func TestParseStreamSpans(t *testing.T) {
	for name, raw := range streamCorpus(t) {
		t.Run(name, func(t *testing.T) { checkStream(t, raw, false) })
	}
}

// The spans of a message built here point exactly at the parts' bodies.
func TestParseStreamOffsets(t *testing.T) {
	raw := streamCorpus(t)["nested"]
	s, err := ParseStream(bytes.NewReader(raw), StreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"x.png": "", "a.pdf": "%PDF-1.4 =C3=A9=\r\nfin", "message.eml": "Subject: joint\r\n\r\ncorps"}
	if len(s.Attachments) != 3 {
		t.Fatalf("attachments %+v", s.Attachments)
	}
	for _, a := range s.Attachments[1:] {
		if got := string(raw[a.Offset : a.Offset+a.RawSize]); got != want[a.Name] {
			t.Errorf("%s: span %q, want %q", a.Name, got, want[a.Name])
		}
	}
	if a := s.Attachments[1]; a.Encoding != "quoted-printable" || a.Size != int64(len("%PDF-1.4 éfin")) {
		t.Errorf("a.pdf: %+v", a)
	}
}

var errDisk = errors.New("disk read error")

// A message that cannot be read to its end (a damaged cache, a cancelled read) is not
// given as a message with defects: ParseStream fails with the reader's error.
func TestParseStreamReadError(t *testing.T) {
	raw := streamCorpus(t)["built"]
	for _, cut := range []int{10, len(raw) / 2, len(raw) - 10} {
		r := io.MultiReader(bytes.NewReader(raw[:cut]), iotest.ErrReader(errDisk))
		if p, err := ParseStream(r, StreamOptions{}); !errors.Is(err, errDisk) || p != nil {
			t.Errorf("cut at %d: %v", cut, err)
		}
	}
}

// FuzzParseStream checks on arbitrary bytes that ParseStream reads what Parse reads and
// that every span decodes to the attachment. Seeds: testdata/*.eml and streamCorpus.
func FuzzParseStream(f *testing.F) {
	for _, raw := range streamCorpus(f) {
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		wd := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("msg: parse hangs on %q", raw)) })
		defer wd.Stop()
		checkStream(t, raw, true)
	})
}
