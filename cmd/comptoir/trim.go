package main

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// trimEvery is how often the GUI process returns the C heap's free memory (trimCHeap): a
// malloc_trim on an idle heap costs well under a millisecond.
const trimEvery = 5 * time.Second

// trimCHeapLoop calls trimCHeap every trimEvery until ctx ends, and gives the Go heap's
// garbage back too when there is some (4 MiB past what was live at the last collection): a
// closed window or a message left leaves tens of MB that the collector, paced for
// throughput, would otherwise keep until the heap doubles.
func trimCHeapLoop(ctx context.Context) {
	t := time.NewTicker(trimEvery)
	defer t.Stop()
	samples := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/heap/objects:bytes"}}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			trimCHeap()
			metrics.Read(samples)
			live, objects := samples[0].Value.Uint64(), samples[1].Value.Uint64()
			if objects > live+4<<20 {
				debug.FreeOSMemory()
			}
		}
	}
}
