package demo_test

import (
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"comptoir/cps/cpstest"
	"comptoir/mail/patient"
)

func TestReplyTemplatesEditedInSettings(t *testing.T) {
	h := start(t, cpstest.Titulaire.Label)
	openMail(t, h)
	e := h.UI.ShowTemplates()
	t.Cleanup(func() {
		// Back to the defaults for the other tests of the shared cache.
		d := h.UI.ShowTemplates()
		if d != nil {
			test.Tap(d.Defaults)
			test.Tap(d.Save)
		}
	})
	for _, want := range []string{"Ordonnance prête", "Médicament disponible", "Médicament commandé"} {
		if !slices.Contains(e.Choice.Options, want) {
			t.Fatalf("templates offered: %q", e.Choice.Options)
		}
	}
	e.Choice.SetSelected("Médicament commandé")
	if e.Subject.Text != "Votre médicament est commandé" || !strings.Contains(e.Body.Text, "disponible le {date}") {
		t.Fatalf("template shown: %q / %q", e.Subject.Text, e.Body.Text)
	}
	e.Name.SetText("Commande en cours")
	e.Body.SetText("Bonjour {patient}, votre {medicament} arrive le {date}.")

	// Two templates with the same name are refused in French.
	test.Tap(e.Add)
	e.Name.SetText("Ordonnance prête")
	test.Tap(e.Save)
	if !e.Error.Visible() || !strings.Contains(e.Error.Text, "différent de celui des autres modèles") {
		t.Fatalf("duplicate names: %q", e.Error.Text)
	}
	test.Tap(e.Delete)
	test.Tap(e.Save)
	if e.Error.Visible() {
		t.Fatalf("save: %q", e.Error.Text)
	}

	// A new message to a patient offers the edited template and asks what it lacks.
	test.Tap(h.UI.Main.NewButton)
	h.WaitFor("the composer", func() bool { return len(h.UI.Composers()) == 1 })
	c := h.UI.Composers()[0]
	if slices.Contains(c.Templates.Select.Options, "Médicament commandé") || !slices.Contains(c.Templates.Select.Options, "Commande en cours") {
		t.Fatalf("composer templates: %q", c.Templates.Select.Options)
	}
	c.To.SetText("Lucie MARCHAND <" + strings.ToLower(seedINS[2]) + "@" + patient.Domain + ">")
	c.Templates.Select.SetSelected("Commande en cours")
	c.Templates.Values[patient.PlaceholderMedicament].SetText("Ventoline")
	c.Templates.Values[patient.PlaceholderDate].SetText("jeudi 27 novembre")
	test.Tap(c.Templates.Fill)
	if c.Body.Text != "Bonjour Lucie MARCHAND, votre Ventoline arrive le jeudi 27 novembre." || c.Subject.Text != "Votre médicament est commandé" {
		t.Fatalf("filled: %q / %q", c.Subject.Text, c.Body.Text)
	}
	c.Window.Close()
}
