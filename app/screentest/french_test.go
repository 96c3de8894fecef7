package screentest

import (
	"strings"
	"testing"

	"comptoir/app/apptest/memsession"
)

// Counts agree in number (« 1 résultat », « 2 résultats »), days read « 1er décembre ».
func TestFrenchText(t *testing.T) {
	w := start(t, options{})
	w.mailbox()
	a := w.h.UI.ShowAnnuaire()
	status := func() string { return a.Status.Text }
	if !strings.Contains(status(), "1er décembre 2026") {
		t.Errorf("the directory's date reads %q", status())
	}
	a.Query.SetText("dentiste")
	w.h.WaitFor("one result", func() bool { return strings.HasPrefix(status(), "1 ") })
	if status() != "1 résultat" {
		t.Errorf("one result reads %q", status())
	}
	a.Query.SetText("lyon")
	w.h.WaitFor("three results", func() bool { return strings.HasPrefix(status(), "3 ") })
	if status() != "3 résultats" {
		t.Errorf("three results read %q", status())
	}
	w.bal(memsession.ORG)
	w.open(memsession.SubjectStock)
	if got := w.h.UI.Main.Reader.Date.Text; got != "Date : jeudi 3 décembre 2026 à 08:40" {
		t.Errorf("the reader's date reads %q", got)
	}
	// The list: today's time, this year's day and month, else the full date.
	if got := w.h.UI.Main.Row(w.row(memsession.SubjectStock)).Date; got != "08:40" {
		t.Errorf("today's message is dated %q", got)
	}
	if got := w.h.UI.Main.Row(w.row(memsession.SubjectOrder)).Date; got != "1er déc." {
		t.Errorf("a message of 1 December is dated %q", got)
	}
	if got := w.h.UI.Main.Row(w.row("Renouvellement n° 24")).Date; got != "3 nov." {
		t.Errorf("a message of 3 November is dated %q", got)
	}
}

// The application menu ends with « Quitter ». Without a quit item of its own, the desktop
// driver appended one labelled in the system's language, not the application's: « Quit »
// under the counter's French menu (seen under Xvfb at 1024×768).
func TestMenuQuitsInFrench(t *testing.T) {
	w := start(t, options{})
	for _, screen := range []string{"card", "mailbox"} {
		if screen == "mailbox" {
			w.mailbox()
		}
		items := w.h.UI.Window.MainMenu().Items[0].Items
		last := items[len(items)-1]
		if last.Label != "Quitter" || !last.IsQuit {
			t.Errorf("on the %s screen the first menu ends with %q (quit item: %v), want « Quitter »", screen, last.Label, last.IsQuit)
		}
	}
}
