package app

import (
	"encoding/json"
	"fmt"

	"comptoir/assets"
)

// translator looks UI texts up by key in the embedded translation files; French is the
// reference and the fallback.
type translator struct {
	lang string
	m    map[string]string
	fr   map[string]string
}

func loadLang(lang string) (map[string]string, error) {
	raw, err := assets.I18N.ReadFile("i18n/" + lang + ".json")
	if err != nil {
		return nil, fmt.Errorf("app: translations %s: %w", lang, err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("app: translations %s: %w", lang, err)
	}
	return m, nil
}

func newTranslator(lang string) *translator {
	fr, err := loadLang("fr")
	if err != nil {
		fr = map[string]string{} // embedded at build time: cannot happen in a built binary
	}
	t := &translator{lang: "fr", m: fr, fr: fr}
	if lang == "en" {
		if en, err := loadLang("en"); err == nil {
			t.lang, t.m = "en", en
		}
	}
	return t
}

// T returns the text for key, formatted with args.
func (t *translator) T(key string, args ...any) string {
	s, ok := t.m[key]
	if !ok {
		if s, ok = t.fr[key]; !ok {
			s = key
		}
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}
