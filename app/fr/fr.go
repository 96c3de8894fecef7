// Package fr writes French the way the counter reads it: dates (« jeudi 1er décembre
// 2026 »), numbers with their thousands grouped, nouns that agree with their count
// (« 0 résultat », « 1 résultat », « 2 résultats »), and patients' names in one order,
// NOM Prénom. Pure functions, no I/O; every screen of package app uses them.
package fr

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

var (
	months = [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
		"septembre", "octobre", "novembre", "décembre"}
	// shortMonths are the usual abbreviations (Imprimerie nationale); short months stay whole.
	shortMonths = [12]string{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août",
		"sept.", "oct.", "nov.", "déc."}
	days = [7]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}
)

// Day is the day of the month as written before the month's name: « 1er », « 2 ».
func Day(d int) string {
	if d == 1 {
		return "1er"
	}
	return strconv.Itoa(d)
}

// Date is « 1er décembre 2026 ».
func Date(t time.Time) string {
	return fmt.Sprintf("%s %s %d", Day(t.Day()), months[t.Month()-1], t.Year())
}

// LongDate is « jeudi 3 décembre 2026 ».
func LongDate(t time.Time) string { return days[t.Weekday()] + " " + Date(t) }

// DateTime is « jeudi 3 décembre 2026 à 08:40 ».
func DateTime(t time.Time) string { return LongDate(t) + " à " + t.Format("15:04") }

// ListDate is the compact date of a list row: the time for today's messages, « 1er déc. »
// for this year's, « 12/11/2025 » before. Zero: "".
func ListDate(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(now.Location())
	switch {
	case sameDay(t, now):
		return t.Format("15:04")
	case t.Year() == now.Year():
		return Day(t.Day()) + " " + shortMonths[t.Month()-1]
	}
	return t.Format("02/01/2006")
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// Number writes n with its thousands grouped by narrow no-break spaces (« 12 345 »).
func Number(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteRune('\u202f')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Singular reports whether a count of n takes the singular in French: 0 and 1 do
// (« 0 résultat », « 1,5 litre »), 2 and more do not.
func Singular(n int64) bool { return n > -2 && n < 2 }

// Count is n and the noun that agrees with it: Count(1, "résultat", "résultats") is
// « 1 résultat », Count(1200, …) « 1 200 résultats ».
func Count(n int64, one, many string) string {
	if Singular(n) {
		return Number(n) + " " + one
	}
	return Number(n) + " " + many
}

// PatientName writes a patient's name NOM Prénom, the order of the INS identity traits and
// of the documents' subjects (nom de naissance first, in capitals). A name given the other
// way round (« Camille ROUSSEL », as a Mon Espace Santé sender) is turned: the words in
// capitals are the family name. A name without capitals, or all in capitals, is kept.
func PatientName(name string) string {
	words := strings.Fields(name)
	var family, given []string
	for _, w := range words {
		if upperWord(w) {
			family = append(family, w)
		} else {
			given = append(given, w)
		}
	}
	if len(family) == 0 || len(given) == 0 {
		return strings.Join(words, " ")
	}
	return strings.Join(append(family, given...), " ")
}

// upperWord: a word with at least two letters, all capitals (« ROUSSEL », « BENALI-FONTAINE »).
func upperWord(w string) bool {
	letters := 0
	for _, r := range w {
		if unicode.IsLetter(r) {
			if !unicode.IsUpper(r) {
				return false
			}
			letters++
		}
	}
	return letters >= 2
}
