// Package assets embeds Comptoir's static resources: icon, CGU texts and translations.
package assets

import (
	"embed"
	_ "embed"
)

// Icon is the application icon (PNG, 512×512).
//
//go:embed icon.png
var Icon []byte

// I18N holds the UI translations, one flat JSON object per language: i18n/fr.json (the
// reference, French) and i18n/en.json. Values are fmt formats.
//
//go:embed i18n/*.json
var I18N embed.FS
