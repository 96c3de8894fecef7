package indicator

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Dispensings is the number of dispensings (délivrances) per month.
type Dispensings map[Month]int

// Merge copies o's months into d, replacing the months both have: an import or a
// manual entry is authoritative for the months it gives.
func (d Dispensings) Merge(o Dispensings) {
	for m, n := range o {
		d[m] = n
	}
}

// MarshalJSON writes {"YYYY-MM": n} (Month is a TextMarshaler).
func (d Dispensings) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[Month]int(d))
}

// UnmarshalJSON reads MarshalJSON's output; negative counts are refused.
func (d *Dispensings) UnmarshalJSON(b []byte) error {
	var m map[Month]int
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("patient: dispensings: %w", err)
	}
	for k, n := range m {
		if n < 0 {
			return fmt.Errorf("patient: dispensings %s: %w", k, ErrCount)
		}
	}
	if m == nil {
		m = map[Month]int{}
	}
	*d = m
	return nil
}

// ErrPeriod marks text that is not a month.
var ErrPeriod = errors.New("not a month")

// ErrCount marks a number of dispensings that is not a whole number ≥ 0.
var ErrCount = errors.New("dispensings count is not a non-negative whole number")

// UserMessage gives the French sentence for an error of this package ("" if not ours).
func UserMessage(err error) string {
	switch {
	case errors.Is(err, ErrCount):
		return "Le nombre de délivrances doit être un nombre entier positif."
	case errors.Is(err, ErrPeriod):
		return "Indiquez un mois, par exemple 03/2025, 2025-03 ou mars 2025."
	}
	return ""
}

// ParseCount reads a number of dispensings as typed or exported: "4120", "4 120"
// (space or no-break space between thousands), "4120,00" or "4120.0".
func ParseCount(s string) (int, error) {
	c := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\u00a0', '\u202f', '\'':
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	if i := strings.IndexAny(c, ",."); i >= 0 {
		if strings.Trim(c[i+1:], "0") != "" {
			return 0, fmt.Errorf("patient: count %q: %w", s, ErrCount)
		}
		c = c[:i]
	}
	if c == "" || c[0] == '-' || c[0] == '+' {
		return 0, fmt.Errorf("patient: count %q: %w", s, ErrCount)
	}
	n, err := strconv.Atoi(c)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("patient: count %q: %w", s, ErrCount)
	}
	return n, nil
}

// ParseMonth reads a month as typed or exported: "2025-03", "03/2025", "3/2025",
// "mars 2025", "mars-25", "Mars 2025". It does not accept a full date.
func ParseMonth(s string) (Month, error) {
	m, day, ok := parsePeriod(s)
	if !ok || day {
		return Month{}, fmt.Errorf("patient: month %q: %w", s, ErrPeriod)
	}
	return m, nil
}
