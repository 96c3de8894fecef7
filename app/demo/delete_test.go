package demo_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"comptoir/app/apptest"
	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cps/cpstest"
)

// Suppr on a message asks, then moves it to the trash: gone from the list at once, and in the
// operator's « Trash » folder once the engine has pushed the change.
func TestDeleteKeyMovesToTheTrash(t *testing.T) {
	subject := fmt.Sprintf("A supprimer %d", time.Now().UnixNano()) // ASCII: found as is in the raw message
	if _, err := env.Sandbox.DeliverFromPatient(sandbox.SeedPatientINS()[0], pharmacy, subject, "Bonjour, à supprimer.", nil); err != nil {
		t.Fatal(err)
	}
	h := start(t, cpstest.Titulaire.Label)
	openMail(t, h)
	h.WaitText("● En ligne")
	selectBAL(t, h, pharmacy)
	openRow(t, h, subject)
	m := h.UI.Main
	h.UI.Window.Canvas().Focus(m.List)
	apptest.PressKey(h.UI.Window, fyne.KeyDelete)
	h.WaitText("Supprimer ce message ?")
	var yes *widget.Button
	apptest.Walk(h.UI.Window.Canvas(), func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == "Supprimer" {
			yes = b
		}
	})
	if yes == nil {
		t.Fatal("no « Supprimer » in the question")
	}
	test.Tap(yes)
	h.WaitFor("the message gone from the list", func() bool {
		for i := 0; i < m.Rows(); i++ {
			if _, s := m.RowText(i); strings.Contains(s, subject) {
				return false
			}
		}
		return true
	})
	h.WaitFor("the message in the operator's trash", func() bool {
		inTrash := false
		msgs, err := env.Sandbox.FolderMessages(pharmacy, "Trash")
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range msgs {
			inTrash = inTrash || bytes.Contains(raw, []byte(subject))
		}
		inbox, err := env.Sandbox.Messages(pharmacy)
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range inbox {
			if bytes.Contains(raw, []byte(subject)) {
				return false
			}
		}
		return inTrash
	})
}
