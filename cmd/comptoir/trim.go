package main

import (
	"context"
	"time"
)

// trimEvery is how often the GUI process returns the C heap's free memory (trimCHeap): a
// malloc_trim on an idle heap costs well under a millisecond.
const trimEvery = 5 * time.Second

// trimCHeapLoop calls trimCHeap every trimEvery until ctx ends.
func trimCHeapLoop(ctx context.Context) {
	t := time.NewTicker(trimEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			trimCHeap()
		}
	}
}
