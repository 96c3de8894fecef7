package msg

import (
	"bytes"
	"crypto/rand"
	"strings"
	"testing"
	"time"
)

// benchMessages: a short text (80 % of a mailbox) and one with a 200 KB PDF.
func benchMessages(b *testing.B) map[string][]byte {
	pdf := make([]byte, 200<<10)
	rand.Read(pdf)
	out := map[string][]byte{}
	for name, d := range map[string]Draft{
		"text": {From: pharmacie, To: []Address{medecin}, Subject: "Renouvellement d'ordonnance",
			Text: strings.Repeat("Bonjour, la délivrance est prête au comptoir. ", 40)},
		"pdf": {From: pharmacie, To: []Address{medecin}, Subject: "Compte rendu", Text: "Ci-joint.",
			Attachments: []Attachment{{Name: "compte-rendu.pdf", ContentType: "application/pdf", Data: pdf}}},
		"xdm": {From: pharmacie, To: []Address{{Email: "279035121518989@" + PatientDomain}}, Documents: testPackage(b, "279035121518989")},
	} {
		built, err := Build(d, BuildOptions{NIL: "Comptoir/bench", Now: time.Now(), Trust: trust})
		if err != nil {
			b.Fatal(err)
		}
		out[name] = built.Raw
	}
	return out
}

// BenchmarkParse measures what the initial sync spends reading each message.
func BenchmarkParse(b *testing.B) {
	for name, raw := range benchMessages(b) {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(raw); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

func BenchmarkBuild(b *testing.B) {
	pdf := bytes.Repeat([]byte("%PDF-1.4 "), 20000)
	d := Draft{From: pharmacie, To: []Address{medecin}, Subject: "Compte rendu", Text: "Ci-joint.",
		Attachments: []Attachment{{Name: "cr.pdf", ContentType: "application/pdf", Data: pdf}}}
	b.SetBytes(int64(len(pdf)))
	for b.Loop() {
		if _, err := Build(d, opts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
