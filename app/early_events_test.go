package app

import (
	"errors"
	"reflect"
	"testing"

	"comptoir/mail"
)

// Events that arrive while the holder screen shows are not lost: the main window opens with
// each BAL's last connection state, the outbox and the sync (docsapp found the status bar
// stuck on « Connexion… » when the mail was opened after the first sync).
func TestEarlyEventsKeepTheLatestState(t *testing.T) {
	var e earlyEvents
	down := errors.New("down")
	for _, ev := range []mail.Event{
		mail.Online{BAL: "a"}, mail.Progress{BAL: "a", Done: 1, Total: 2}, mail.Online{BAL: "b"},
		mail.OutboxCount{N: 2}, mail.Offline{BAL: "a", Err: down}, mail.Synced{BAL: "b"}, mail.OutboxCount{N: 0},
	} {
		e.keep(ev)
	}
	want := []mail.Event{mail.Offline{BAL: "a", Err: down}, mail.Online{BAL: "b"}, mail.OutboxCount{N: 0}, mail.Synced{BAL: "b"}}
	if got := e.replay(); !reflect.DeepEqual(got, want) {
		t.Fatalf("replay %v, want %v", got, want)
	}
}
