package main

import (
	"fmt"
	"io"

	"comptoir/app/fr"
	"comptoir/mail"
)

// printEvents prints the engine's events in French until the channel closes.
func printEvents(w io.Writer, events <-chan mail.Event, done chan<- struct{}) {
	defer close(done)
	last := map[string]int{}
	for ev := range events {
		switch e := ev.(type) {
		case mail.Online:
			fmt.Fprintf(w, "Connecté : %s\n", e.BAL)
		case mail.Offline:
			fmt.Fprintf(w, "Hors ligne (%s) : %v\n", e.BAL, e.Err)
		case mail.Progress:
			// One line per tenth, not per batch.
			if step := max(e.Total/10, 1); e.Done == e.Total || e.Done/step != last[e.Folder]/step {
				fmt.Fprintf(w, "%s : %d/%d messages\n", e.Folder, e.Done, e.Total)
			}
			last[e.Folder] = e.Done
		case mail.NewMail:
			fmt.Fprintf(w, "%s : %d nouveau(x) message(s)\n", e.Folder, len(e.UIDs))
		case mail.Submitted:
			fmt.Fprintf(w, "Message <%s> accepté par le serveur\n", e.MessageID)
		case mail.Sent:
			fmt.Fprintf(w, "Message <%s> envoyé et classé dans « Envoyés »\n", e.MessageID)
		case mail.SendFailed:
			fmt.Fprintf(w, "Message <%s> refusé : %v\n", e.MessageID, e.Err)
		case mail.OutboxCount:
			if e.N > 0 {
				fmt.Fprintf(w, "Boîte d'envoi : %s en attente\n", fr.Count(int64(e.N), "message", "messages"))
			}
		}
	}
}
