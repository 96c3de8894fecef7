package mailgen

import (
	"strings"
	"testing"

	"comptoir/mail/msg"
)

// TestMixedCorpus checks that the second corpus carries what it promises, read back by the
// engine's own parser: every message parses without defects, and the mix holds each shape.
func TestMixedCorpus(t *testing.T) {
	const n = 120
	seen := map[string]int{}
	var size int
	for i := range n {
		m := Mixed(9, i, "officine@pharmacie.mssante.fr")
		size += len(m.Raw)
		raw := string(m.Raw)
		p, err := msg.Parse(m.Raw)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if len(p.Defects) > 0 {
			t.Fatalf("message %d: defects %v", i, p.Defects)
		}
		if p.Subject == "" || strings.Contains(p.Subject, "=?") || p.From.Name == "" || strings.Contains(p.From.Name, "=?") {
			t.Fatalf("message %d: subject %q from %q not decoded", i, p.Subject, p.From.Name)
		}
		if !strings.Contains(p.Body, "\n") || strings.Contains(p.Body, "=C3") || strings.Contains(p.Body, "<p") {
			t.Fatalf("message %d: body not decoded: %.80q", i, p.Body)
		}
		for _, a := range p.Attachments {
			if strings.Contains(a.Name, "%") || strings.Contains(a.Name, "=?") {
				t.Fatalf("message %d: attachment name %q not decoded", i, a.Name)
			}
			if strings.Contains(a.Name, "°") {
				seen["non-ASCII file name"]++
			}
		}
		for mark, what := range map[string]string{
			"quoted-printable":      "quoted-printable",
			"charset=iso-8859-1":    "ISO-8859-1",
			"format=flowed":         "format=flowed",
			"multipart/alternative": "multipart/alternative",
			"filename*=utf-8''":     "RFC 2231 name",
			"image/jpeg":            "JPEG",
			"In-Reply-To:":          "reply",
			"=?iso-8859-1?":         "ISO-8859-1 RFC 2047",
		} {
			if strings.Contains(raw, mark) {
				seen[what]++
			}
		}
		if strings.Contains(raw, "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64") {
			seen["base64 text"]++
		}
		if strings.Count(raw, "\r\nReceived: ") >= 3 {
			seen["Received chain"]++
		}
		if p.XDM != nil && p.Patient != nil && p.Patient.INS != "" {
			seen["XDM with patient"]++
		}
		if p.From.IsPatient() && p.Patient != nil && p.Patient.INS != "" {
			seen["patient sender"]++
		}
		if m.Unread {
			seen["unread"]++
		}
	}
	for _, what := range []string{"quoted-printable", "ISO-8859-1", "format=flowed", "multipart/alternative", "RFC 2231 name",
		"non-ASCII file name", "JPEG", "reply", "ISO-8859-1 RFC 2047", "base64 text", "Received chain", "XDM with patient",
		"patient sender", "unread"} {
		if seen[what] == 0 {
			t.Errorf("no message with %s in %d", what, n)
		}
	}
	if avg := size / n; avg < 25_000 || avg > 80_000 {
		t.Errorf("average size %d bytes, want about 45 KB", avg)
	}
	t.Logf("%d messages, average %d bytes: %v", n, size/n, seen)
}
