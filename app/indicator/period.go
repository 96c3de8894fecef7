package indicator

import (
	"strconv"
	"strings"
	"time"
)

// parsePeriod reads the first column of a dispensings export: a month ("2025-03",
// "03/2025", "mars 2025", "mars-25") or a date ("2025-03-14", "14/03/2025",
// "14-03-25", "14.03.2025", optionally followed by a time). day tells which.
func parsePeriod(s string) (m Month, day bool, ok bool) {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, " T"); i > 0 && strings.Contains(s[i:], ":") {
		s = s[:i] // "14/03/2025 00:00:00", "2025-03-14T10:00:00"
	}
	if s == "" {
		return Month{}, false, false
	}
	if s[0] >= '0' && s[0] <= '9' {
		return numericPeriod(s)
	}
	return namedMonth(s)
}

func numericPeriod(s string) (Month, bool, bool) {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '/' || r == '.' })
	for _, p := range parts {
		if !allDigits(p) {
			return Month{}, false, false
		}
	}
	num := func(p string) int { n, _ := strconv.Atoi(p); return n }
	switch len(parts) {
	case 2: // YYYY-MM or MM/YYYY
		var y, mo int
		switch {
		case len(parts[0]) == 4 && len(parts[1]) <= 2:
			y, mo = num(parts[0]), num(parts[1])
		case len(parts[1]) == 4 && len(parts[0]) <= 2:
			y, mo = num(parts[1]), num(parts[0])
		default:
			return Month{}, false, false
		}
		if mo < 1 || mo > 12 {
			return Month{}, false, false
		}
		return Month{y, time.Month(mo)}, false, true
	case 3: // YYYY-MM-DD or DD/MM/YYYY or DD/MM/YY
		var y, mo, d int
		switch {
		case len(parts[0]) == 4 && len(parts[1]) <= 2 && len(parts[2]) <= 2:
			y, mo, d = num(parts[0]), num(parts[1]), num(parts[2])
		case len(parts[0]) <= 2 && len(parts[1]) <= 2 && len(parts[2]) == 4:
			y, mo, d = num(parts[2]), num(parts[1]), num(parts[0])
		case len(parts[0]) <= 2 && len(parts[1]) <= 2 && len(parts[2]) == 2:
			y, mo, d = 2000+num(parts[2]), num(parts[1]), num(parts[0])
		default:
			return Month{}, false, false
		}
		if mo < 1 || mo > 12 || d < 1 {
			return Month{}, false, false
		}
		if t := time.Date(y, time.Month(mo), d, 12, 0, 0, 0, time.UTC); t.Day() != d {
			return Month{}, false, false // 31/02
		}
		return Month{y, time.Month(mo)}, true, true
	}
	return Month{}, false, false
}

// namedMonth reads "mars 2025", "Mars-25", "févr. 2025", "sept.2025".
func namedMonth(s string) (Month, bool, bool) {
	f := foldFrench(s)
	i := strings.IndexFunc(f, func(r rune) bool { return r < 'a' || r > 'z' })
	if i <= 0 {
		return Month{}, false, false
	}
	mo, ok := frenchMonthNames[f[:i]]
	if !ok {
		return Month{}, false, false
	}
	rest := strings.TrimLeft(f[i:], ". -/")
	if !allDigits(rest) {
		return Month{}, false, false
	}
	y, _ := strconv.Atoi(rest)
	switch len(rest) {
	case 2:
		y += 2000
	case 4:
	default:
		return Month{}, false, false
	}
	return Month{y, mo}, false, true
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
