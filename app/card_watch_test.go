package app

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2/test"
)

// At start-up the watcher reports every card present as inserted, each event lists the
// readers again, and the window is not up yet: the card screen shows the latest listing
// once, not each in turn (the reader choice was rebuilt four or five times before the
// PIN could be typed, about 60 ms of the launch).
func TestReaderListingsCoalesce(t *testing.T) {
	var jobs []func()
	u := New(test.NewTempApp(t), Deps{Cards: stubCards{}, TempDir: t.TempDir(), Do: func(f func()) { jobs = append(jobs, f) }})
	c := u.Card
	l := &readerListing{c: c}
	var rs []Reader
	for i := range 5 {
		rs = append(rs, Reader{Slot: uint(i), Description: fmt.Sprintf("Lecteur %d", i), CardPresent: true, Label: fmt.Sprintf("CPS %d", i)})
		l.post(append([]Reader(nil), rs...), nil, true)
	}
	if len(jobs) != 1 {
		t.Fatalf("5 listings before the UI ran queued %d UI jobs, want 1", len(jobs))
	}
	jobs[0]()
	if got := len(c.Readers.Options); got != 5 {
		t.Fatalf("the reader choice lists %d readers, want the latest listing's 5", got)
	}
	if c.Readers.Selected != "Lecteur 0 — CPS 0" {
		t.Fatalf("selected %q, want the first reader holding a card", c.Readers.Selected)
	}
	// Once shown, the next listing is shown in turn.
	l.post(rs[:1], nil, false)
	if len(jobs) != 2 {
		t.Fatalf("a listing after the UI ran queued %d jobs in all, want 2", len(jobs))
	}
	jobs[1]()
	if got := len(c.Readers.Options); got != 1 {
		t.Fatalf("the reader choice lists %d readers after a card left, want 1", got)
	}
}
