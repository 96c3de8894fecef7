// Package assets embeds Comptoir's static resources: icon, CGU texts and translations.
package assets

import _ "embed"

// Icon is the application icon (PNG, 512×512).
//
//go:embed icon.png
var Icon []byte
