package mail

import (
	"testing"

	"comptoir/mail/internal/mailgen"
	"comptoir/store"
)

// BenchmarkEnvelopeMixed is the parse stage of the initial sync alone: envelopeFromRaw over
// the mixed corpus (CPU per message, without the network or the store).
func BenchmarkEnvelopeMixed(b *testing.B) {
	msgs := make([][]byte, 500)
	var size int64
	for i := range msgs {
		msgs[i] = mailgen.Mixed(7, i, testBAL).Raw
		size += int64(len(msgs[i]))
	}
	b.SetBytes(size / int64(len(msgs)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		_ = envelopeFromRaw(store.Ref{BAL: testBAL, Folder: "INBOX", UID: uint32(i + 1)}, msgs[i%len(msgs)])
	}
}
