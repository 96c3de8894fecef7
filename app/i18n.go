package app

import (
	"encoding/json"
	"fmt"
	"time"

	"comptoir/app/fr"
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

// N is the text for key agreeing with the count n, formatted with n (digits grouped) then
// args: key+".one" or key+".other". French puts 0 and 1 in the singular, English 1 only.
func (t *translator) N(key string, n int64, args ...any) string {
	one := fr.Singular(n)
	if t.lang == "en" {
		one = n == 1
	}
	form := ".other"
	if one {
		form = ".one"
	}
	return t.T(key+form, append([]any{fr.Number(n)}, args...)...)
}

// The dates the screens show, in the zone of the UI's clock (the counter's).

// listDate is a list row's date: « 08:40 » today, « 1er déc. » this year, « 12/11/2025 ».
func (u *UI) listDate(d time.Time) string {
	now := u.deps.Now()
	if u.tr.lang == "fr" || d.IsZero() {
		return fr.ListDate(d, now)
	}
	d = d.In(now.Location())
	switch {
	case d.Year() == now.Year() && d.YearDay() == now.YearDay():
		return d.Format("15:04")
	case d.Year() == now.Year():
		return d.Format("2 Jan")
	}
	return d.Format("02/01/2006")
}

// dateTime is « jeudi 3 décembre 2026 à 08:40 ».
func (u *UI) dateTime(d time.Time) string {
	d = d.In(u.deps.Now().Location())
	if u.tr.lang == "en" {
		return d.Format("Monday 2 January 2006, 15:04")
	}
	return fr.DateTime(d)
}

// date is « 1er décembre 2026 ».
func (u *UI) date(d time.Time) string {
	d = d.In(u.deps.Now().Location())
	if u.tr.lang == "en" {
		return d.Format("2 January 2006")
	}
	return fr.Date(d)
}
