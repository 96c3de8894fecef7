package screentest

import (
	"comptoir/app/config"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

// The theme and text size follow the system until chosen; the choice is saved in
// config.json next to the keys Comptoir does not know, and applies at once.
func TestThemeAndTextSize(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, []byte(`{"operator":{"domain":"sandbox.mssante.test"},"future_key":{"x":1}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	w := start(t, options{settings: config.Files{User: path}})
	a := fyne.CurrentApp()
	color := func(v fyne.ThemeVariant) any { return a.Settings().Theme().Color(theme.ColorNameBackground, v) }
	// Following the system: the variant Fyne passes decides.
	if color(theme.VariantLight) == color(theme.VariantDark) {
		t.Fatal("by default the theme does not follow the system's light or dark variant")
	}
	base := a.Settings().Theme().Size(theme.SizeNameText)

	s := w.h.UI.ShowSettings()
	s.Theme.SetSelected("Clair")
	s.TextSize.SetSelected("Grande")
	test.Tap(s.Save)
	w.h.Drain()
	if color(theme.VariantDark) != theme.DefaultTheme().Color(theme.ColorNameBackground, theme.VariantLight) {
		t.Error("« Clair » chosen, the background is not the light one")
	}
	if got := a.Settings().Theme().Size(theme.SizeNameText); got <= base {
		t.Errorf("« Grande » chosen, the text size is %.1f (was %.1f)", got, base)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var saved map[string]any
	if err := json.Unmarshal(raw, &saved); err != nil {
		t.Fatal(err)
	}
	if saved["theme"] != "light" || saved["text_size"] == nil || saved["future_key"] == nil {
		t.Fatalf("config.json holds %s", raw)
	}

	s = w.h.UI.ShowSettings()
	if s.Theme.Selected != "Clair" || s.TextSize.Selected != "Grande" {
		t.Fatalf("the settings reopen on %q / %q", s.Theme.Selected, s.TextSize.Selected)
	}
	s.Theme.SetSelected("Système")
	s.TextSize.SetSelected("Système")
	test.Tap(s.Save)
	w.h.Drain()
	if color(theme.VariantLight) == color(theme.VariantDark) || a.Settings().Theme().Size(theme.SizeNameText) != base {
		t.Error("« Système » does not follow the system again")
	}
}
