package indicator

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Month is a calendar month, the indicator's unit.
type Month struct {
	Year  int
	Month time.Month
}

// MonthOf is the month of t in loc (nil: t's own location).
func MonthOf(t time.Time, loc *time.Location) Month {
	if loc != nil {
		t = t.In(loc)
	}
	return Month{t.Year(), t.Month()}
}

// String is the ISO form "2025-03", also the JSON and CSV form.
func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)) }

// Label is the French form shown on screen: "mars 2025".
func (m Month) Label() string {
	if m.Month < 1 || m.Month > 12 {
		return m.String()
	}
	return frenchMonths[m.Month-1] + " " + strconv.Itoa(m.Year)
}

// Before orders months.
func (m Month) Before(o Month) bool {
	return m.Year < o.Year || (m.Year == o.Year && m.Month < o.Month)
}

// Next is the following month.
func (m Month) Next() Month {
	if m.Month == time.December {
		return Month{m.Year + 1, time.January}
	}
	return Month{m.Year, m.Month + 1}
}

// MarshalText writes "2025-03".
func (m Month) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText reads "2025-03".
func (m *Month) UnmarshalText(b []byte) error {
	v, ok := parseISOMonth(string(b))
	if !ok {
		return fmt.Errorf("patient: month %q: want YYYY-MM", b)
	}
	*m = v
	return nil
}

func parseISOMonth(s string) (Month, bool) {
	if len(s) != 7 || s[4] != '-' {
		return Month{}, false
	}
	y, err1 := strconv.Atoi(s[:4])
	mo, err2 := strconv.Atoi(s[5:])
	if err1 != nil || err2 != nil || mo < 1 || mo > 12 || y < 1 {
		return Month{}, false
	}
	return Month{y, time.Month(mo)}, true
}

var frenchMonths = [12]string{"janvier", "février", "mars", "avril", "mai", "juin",
	"juillet", "août", "septembre", "octobre", "novembre", "décembre"}

// frenchMonthNames maps the names and abbreviations found in French exports (accents
// folded, trailing dot removed) to months.
var frenchMonthNames = map[string]time.Month{
	"janvier": 1, "janv": 1, "jan": 1,
	"fevrier": 2, "fevr": 2, "fev": 2, "fevri": 2,
	"mars": 3, "mar": 3,
	"avril": 4, "avr": 4,
	"mai":     5,
	"juin":    6,
	"juillet": 7, "juil": 7, "jul": 7,
	"aout": 8, "aou": 8,
	"septembre": 9, "sept": 9, "sep": 9,
	"octobre": 10, "oct": 10,
	"novembre": 11, "nov": 11,
	"decembre": 12, "dec": 12,
}

// foldFrench lower-cases s and removes the accents of French letters.
func foldFrench(s string) string {
	return accentFolder.Replace(strings.ToLower(s))
}

// accentFolder is read-only after initialisation.
var accentFolder = strings.NewReplacer("é", "e", "è", "e", "ê", "e", "ë", "e", "à", "a", "â", "a", "ä", "a",
	"î", "i", "ï", "i", "ô", "o", "ö", "o", "û", "u", "ù", "u", "ü", "u", "ç", "c", "œ", "oe")
