package demo_test

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"comptoir/cps/cpstest"
)

// Paramètres shows the trust-space list's date, age and signature, and « Mettre à jour la
// liste » downloads it again from the operator's site; when the site cannot be reached the
// window says so in French and the previous list stays. Without a session the list is not
// offered.
func TestSettingsTrustListRefresh(t *testing.T) {
	h := start(t, cpstest.Titulaire.Label)
	openMail(t, h)
	s := h.UI.ShowSettings()
	for _, want := range []string{"Générée le", "(aujourd'hui)", "signée par l'ANS", "2 domaines."} {
		if !strings.Contains(s.TrustList.Text, want) {
			t.Fatalf("the settings say %q about the trust list, want %q in it", s.TrustList.Text, want)
		}
	}
	before := s.TrustList.Text

	env.API.Set(false)
	t.Cleanup(func() { env.API.Set(true) })
	test.Tap(s.TrustListUpdate)
	h.WaitFor("the refusal", func() bool {
		return strings.Contains(s.TrustList.Text, "La liste précédente est conservée.") && !s.TrustListUpdate.Disabled()
	})
	if !strings.Contains(s.TrustList.Text, before) {
		t.Errorf("after a failed refresh the settings say %q, want the previous list %q", s.TrustList.Text, before)
	}

	env.API.Set(true)
	test.Tap(s.TrustListUpdate)
	h.WaitFor("the refreshed list", func() bool {
		return strings.HasPrefix(s.TrustList.Text, "Liste blanche mise à jour.\nGénérée le") && !s.TrustListUpdate.Disabled()
	})
	s.Window.Close()

	h.UI.Lock("Session verrouillée.")
	locked := h.UI.ShowSettings()
	if !locked.TrustListUpdate.Disabled() || !strings.Contains(locked.TrustList.Text, "Connectez-vous") {
		t.Errorf("from the lock screen the trust list says %q (update enabled: %v)", locked.TrustList.Text, !locked.TrustListUpdate.Disabled())
	}
}
