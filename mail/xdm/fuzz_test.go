package xdm

import (
	"bytes"
	"testing"
)

// FuzzXDMRead feeds arbitrary archives to Read under small limits; Read must refuse or
// return a consistent package, never panic or exceed the limits, and ReadMetadata must
// agree with it. Seeds: testdata/fuzz/FuzzXDMRead and the archives below.
func FuzzXDMRead(f *testing.F) {
	good, err := samplePackage(f).Bytes()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(MarshalMetadata(samplePackage(f)))
	f.Add(zipTree(f, ansTree, "KA202401/", nil)) // the ANS layout: top-level folder, ns3, KOS, signature
	lim := Limits{MaxFiles: 16, MaxFileSize: 1 << 20, MaxTotal: 2 << 20, MaxRatio: 50}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Read(bytes.NewReader(data), int64(len(data)), &lim)
		// The indexing read (no content) refuses the same archives and sees the same patient.
		m, merr := ReadMetadata(bytes.NewReader(data), int64(len(data)), &lim)
		if (err == nil) != (merr == nil) {
			t.Fatalf("Read: %v; ReadMetadata: %v", err, merr)
		}
		if err == nil && (m.Patient != p.Patient || len(m.Documents) != len(p.Documents)) {
			t.Fatalf("ReadMetadata: patient %+v, %d documents; Read: %+v, %d", m.Patient, len(m.Documents), p.Patient, len(p.Documents))
		}
		if err != nil {
			_, _ = ParseMetadata(data)
			_, _ = ExtractPDF(data, 1<<20)
			return
		}
		var total int64
		for _, d := range p.Documents {
			if int64(len(d.Data)) > lim.MaxFileSize || int64(len(d.PDF)) > lim.MaxFileSize {
				t.Fatalf("document over the limit: %d", len(d.Data))
			}
			total += int64(len(d.Data))
		}
		if total > lim.MaxTotal {
			t.Fatalf("total %d over the limit", total)
		}
		// What we read, we can write back and read again.
		if len(p.Documents) > 0 && p.Patient.ID != "" {
			again, err := p.Bytes()
			if err != nil {
				return // e.g. a document with empty content
			}
			if _, err := Read(bytes.NewReader(again), int64(len(again)), nil); err != nil {
				t.Fatalf("re-read of our own archive: %v", err)
			}
		}
	})
}
