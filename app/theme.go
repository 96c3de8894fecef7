package app

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"comptoir/app/config"
)

// Theme choices (config.Config.Theme): "" follows the system's light or dark mode.
const (
	ThemeSystem = ""
	ThemeLight  = "light"
	ThemeDark   = "dark"
)

// Text sizes (config.Config.TextSize): "" is the system's (Fyne's, scaled as the system asks).
const (
	TextSystem = ""
	TextLarge  = "large"  // +15 %
	TextLarger = "larger" // +30 %
)

var (
	themeChoices = []string{ThemeSystem, ThemeLight, ThemeDark}
	textChoices  = []string{TextSystem, TextLarge, TextLarger}
)

// comptoirTheme is Fyne's default theme with the user's variant forced (or the system's)
// and its texts scaled.
type comptoirTheme struct {
	variant fyne.ThemeVariant
	forced  bool
	scale   float32
}

func newTheme(c config.Config) fyne.Theme {
	t := comptoirTheme{scale: 1}
	switch c.Theme {
	case ThemeLight:
		t.variant, t.forced = theme.VariantLight, true
	case ThemeDark:
		t.variant, t.forced = theme.VariantDark, true
	}
	switch c.TextSize {
	case TextLarge:
		t.scale = 1.15
	case TextLarger:
		t.scale = 1.3
	}
	return t
}

func (t comptoirTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if t.forced {
		v = t.variant
	}
	// Fyne's green and orange are made for a dark background: on the light one, patients'
	// names and warnings take darker shades that read (contrast above 4.5:1).
	if v == theme.VariantLight {
		switch n {
		case theme.ColorNameSuccess:
			return color.NRGBA{R: 0x1b, G: 0x7a, B: 0x2e, A: 0xff}
		case theme.ColorNameWarning:
			return color.NRGBA{R: 0xa8, G: 0x4e, B: 0x00, A: 0xff}
		}
	}
	return theme.DefaultTheme().Color(n, v)
}

func (t comptoirTheme) Font(s fyne.TextStyle) fyne.Resource { return theme.DefaultTheme().Font(s) }

func (t comptoirTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

func (t comptoirTheme) Size(n fyne.ThemeSizeName) float32 {
	s := theme.DefaultTheme().Size(n)
	switch n {
	case theme.SizeNameText, theme.SizeNameHeadingText, theme.SizeNameSubHeadingText,
		theme.SizeNameCaptionText, theme.SizeNameInlineIcon:
		return s * t.scale
	}
	return s
}

// applyTheme sets the configured theme on the application (at start and when saved).
func (u *UI) applyTheme() { u.app.Settings().SetTheme(newTheme(u.cfg)) }

// compactTheme is the application's theme with tighter space around texts, for the reader's
// header lines: sender, recipients, date and patient take a few lines, not a third of a
// counter screen.
type compactTheme struct{}

func (compactTheme) current() fyne.Theme { return fyne.CurrentApp().Settings().Theme() }

func (c compactTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	return c.current().Color(n, v)
}

func (c compactTheme) Font(s fyne.TextStyle) fyne.Resource { return c.current().Font(s) }

func (c compactTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return c.current().Icon(n) }

func (c compactTheme) Size(n fyne.ThemeSizeName) float32 {
	s := c.current().Size(n)
	switch n {
	case theme.SizeNameInnerPadding:
		return s / 4
	case theme.SizeNamePadding:
		return s / 2
	}
	return s
}
