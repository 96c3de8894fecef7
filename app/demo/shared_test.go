package demo_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"comptoir/app/apptest"
	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cps/cpstest"
)

// rowOf is the index of the row whose subject contains subject (-1 when none).
func rowOf(h *apptest.Harness, subject string) int {
	m := h.UI.Main
	for i := 0; i < m.Rows(); i++ {
		if _, s := m.RowText(i); strings.Contains(s, subject) {
			return i
		}
	}
	return -1
}

// menuItem is the item labelled label of menu (nil when none).
func menuItemOf(menu *fyne.Menu, label string) *fyne.MenuItem {
	if menu == nil {
		return nil
	}
	for _, it := range menu.Items {
		if it.Label == label {
			return it
		}
	}
	return nil
}

// handledBy is the start of what the « traité » mark says once the titulaire set it.
const handledBy = "Traité par Élise BONNEFOY le "

// patientAsksThePharmacy delivers a patient's message to the pharmacy's BAL and inserts
// the second counter's card (PharmacienCPS3) until the test ends.
func patientAsksThePharmacy(t *testing.T, subject, text string) {
	t.Helper()
	if _, err := env.Sandbox.DeliverFromPatient(sandbox.SeedPatientINS()[0], pharmacy, subject, text, nil); err != nil {
		t.Fatal(err)
	}
	env.Cards.Faults().Insert(cpstest.PharmacienCPS3.Label)
	t.Cleanup(func() { env.Cards.Faults().Pull(cpstest.PharmacienCPS3.Label) })
}

// markHandled opens subject at h and taps « Marquer traité », waiting for the reader to say so.
func markHandled(t *testing.T, h *apptest.Harness, subject string) {
	t.Helper()
	openRow(t, h, subject)
	r := h.UI.Main.Reader
	test.Tap(r.Actions.Handled)
	h.WaitFor("« traité » in the reader", func() bool { return strings.HasPrefix(r.Actions.HandledBy.Text, handledBy) })
}

// syncUntil waits for cond at h, tapping « Synchroniser » now and then (another counter's
// change reaches this one at its next synchronisation).
func syncUntil(h *apptest.Harness, what string, cond func() bool) {
	polls := 0
	h.WaitFor(what, func() bool {
		if polls++; polls%25 == 1 {
			test.Tap(h.UI.Main.SyncButton)
		}
		return cond()
	})
}

// waitHandledRow synchronises h until the row of subject shows the titulaire's « traité »
// mark; it returns the row's icon tips.
func waitHandledRow(h *apptest.Harness, subject string) []string {
	var tips []string
	syncUntil(h, "« traité » at the other counter", func() bool {
		j := rowOf(h, subject)
		if j < 0 {
			return false
		}
		tips = h.UI.Main.RowTips(j)
		return len(tips) > 0 && strings.HasPrefix(tips[0], handledBy)
	})
	return tips
}

// Issue 17: a shared team mailbox. Two counters (two cards) on the pharmacy's ORG BAL: one
// marks a message « traité »; the other, after a synchronisation, sees the mark, who made
// it and when. Then the right-click menu marks it unread and archives it, with a
// confirmation; a reply shows « Répondu », and « Envoyés » shows the recipients at once.
func TestSharedMailboxHandled(t *testing.T) {
	subject := "Renouvellement Ventoline " + time.Now().Format("150405.000")
	patientAsksThePharmacy(t, subject, "Bonjour, pouvez-vous préparer ma Ventoline ?")

	// First counter: the titulaire marks it « traité ».
	h1 := openBAL(t, cpstest.Titulaire.Label, pharmacy)
	before := time.Now().Add(-time.Second)
	markHandled(t, h1, subject)
	r := h1.UI.Main.Reader
	if r.Actions.Handled.Text != "Retirer « traité »" {
		t.Fatalf("the button reads %q once the message is « traité »", r.Actions.Handled.Text)
	}
	i := rowOf(h1, subject)
	if tips := h1.UI.Main.RowTips(i); len(tips) == 0 || !strings.HasPrefix(tips[0], handledBy) {
		t.Fatalf("the row's first icon says %q", tips)
	}

	// Second counter: another card, its own cache; after a sync it sees who and when.
	h2 := openBAL(t, cpstest.PharmacienCPS3.Label, pharmacy)
	m2 := h2.UI.Main
	tips := waitHandledRow(h2, subject)
	when := strings.TrimPrefix(tips[0], handledBy)
	at, err := time.ParseInLocation("02/01/2006 à 15:04", when, time.Local)
	if err != nil || at.Before(before.Truncate(time.Minute)) || at.After(time.Now()) {
		t.Fatalf("marked « %s »: %v, want the minute it was marked", when, err)
	}
	openRow(t, h2, subject)
	if got := m2.Reader.Actions.HandledBy.Text; !strings.HasPrefix(got, handledBy) {
		t.Fatalf("the other counter's reader says %q", got)
	}

	// The right-click menu: « Marquer comme non lu ».
	j := rowOf(h2, subject)
	menu := m2.RowMenu(j)
	for _, want := range []string{"Ouvrir", "Répondre", "Transférer", "Retirer « traité »", "Marquer comme non lu", "Archiver…", "Supprimer…"} {
		if menuItemOf(menu, want) == nil {
			t.Fatalf("the right-click menu lacks « %s »", want)
		}
	}
	menuItemOf(menu, "Marquer comme non lu").Action()
	h2.WaitFor("the row unread", func() bool { return m2.RowBold(rowOf(h2, subject)) })

	// A reply: « Répondu » on the message, and « Envoyés » shows the recipient at once.
	openRow(t, h2, subject)
	test.Tap(m2.ReplyButton)
	h2.WaitFor("the composer", func() bool { return len(h2.UI.Composers()) == 1 })
	c := h2.UI.Composers()[0]
	c.Body.SetText("Bonjour, votre Ventoline est prête.")
	test.Tap(c.NoReply)
	test.Tap(c.Send)
	h2.WaitFor("« Répondu »", func() bool {
		k := rowOf(h2, subject)
		return k >= 0 && slices.Contains(m2.RowTips(k), "Répondu")
	})
	h2.WaitText("Message envoyé")
	selectFolder(t, h2, "Envoyés")
	h2.WaitFor("the reply in « Envoyés » with its recipient", func() bool {
		k := rowOf(h2, "Re: "+subject)
		if k < 0 {
			return false
		}
		from, _ := m2.RowText(k)
		return strings.HasPrefix(from, "À : ") && len(from) > len("À : ")
	})
	selectFolder(t, h2, "Boîte de réception")

	// « Archiver… » asks first, then the message leaves the inbox for « Archives ».
	j = rowOf(h2, subject)
	menuItemOf(m2.RowMenu(j), "Archiver…").Action()
	h2.WaitFor("the confirmation", func() bool { return h2.Shows("sera rangé dans le dossier Archives") })
	test.Tap(dialogButton(t, h2.UI.Window.Canvas(), "Archiver"))
	h2.WaitFor("the message gone from the inbox", func() bool { return rowOf(h2, subject) < 0 })
	h2.WaitText("Message archivé.")
	syncUntil(h2, "« Archives » holding it", func() bool { return hasFolder(h2, "Archives") })
	selectFolder(t, h2, "Archives")
	h2.WaitFor("the message in « Archives »", func() bool { return rowOf(h2, subject) >= 0 })
}

// selectFolder shows the folder whose name (as listed) starts with name.
func selectFolder(t *testing.T, h *apptest.Harness, name string) {
	t.Helper()
	h.WaitFor("the folder "+name, func() bool { return h.UI.Main.ShowFolder(name) })
}

func hasFolder(h *apptest.Harness, name string) bool {
	for _, f := range h.UI.Main.FolderNames() {
		if strings.HasPrefix(f, name) {
			return true
		}
	}
	return false
}

// Two counters open at once: the second already lists the message, unmarked, when the
// first marks it « traité »; its next synchronisations bring the mark, who and when, to
// the list and to the open reader.
func TestSharedMailboxHandledSeenByAnOpenCounter(t *testing.T) {
	subject := "Renouvellement Seretide " + time.Now().Format("150405.000")
	patientAsksThePharmacy(t, subject, "Bonjour, pouvez-vous préparer mon Seretide ?")

	// The second counter lists the message first, without the mark.
	h2 := openBAL(t, cpstest.PharmacienCPS3.Label, pharmacy)
	m2 := h2.UI.Main
	openRow(t, h2, subject)
	if tips := m2.RowTips(rowOf(h2, subject)); len(tips) > 0 && strings.HasPrefix(tips[0], "Traité") {
		t.Fatalf("the message is « traité » before anyone marked it: %q", tips)
	}

	h1 := openBAL(t, cpstest.Titulaire.Label, pharmacy)
	markHandled(t, h1, subject)

	waitHandledRow(h2, subject)
	h2.WaitFor("« Traité par » in the open reader", func() bool {
		return strings.HasPrefix(m2.Reader.Actions.HandledBy.Text, handledBy)
	})
}
