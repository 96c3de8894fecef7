// Package assets embeds Comptoir's static resources: icon, CGU texts and translations.
package assets

import (
	"embed"
	_ "embed"
	"io/fs"
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

// CGUFiles holds the terms of use shown by the BAL creation wizard, one text per version:
// cgu/<version>.txt (the version the operator announces, e.g. 2026.1).
//
//go:embed cgu/*.txt
var CGUFiles embed.FS

// CGU returns the embedded text of a CGU version, and whether it is shipped.
func CGU(version string) (string, bool) {
	if version == "" || !fs.ValidPath(version) || len(version) > 32 {
		return "", false
	}
	b, err := CGUFiles.ReadFile("cgu/" + version + ".txt")
	if err != nil {
		return "", false
	}
	return string(b), true
}
