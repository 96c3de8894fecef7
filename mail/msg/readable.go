package msg

import (
	"strings"
	"unicode"
)

// ReadableName turns a From display name in the form of ECO.2.2.7
// (`Titre_Prénom_NOM_Entité`, see FromDisplayName) back into what people read:
// "Dr_Antoine_FAUVEL_Cabinet du Dr Fauvel" → "Dr Antoine FAUVEL — Cabinet du Dr Fauvel".
// The surname is the part in capitals; a name without "_" is returned as it is, and one
// whose parts cannot be told apart has its "_" made spaces.
func ReadableName(s string) string {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "_") {
		return s
	}
	var parts []string
	for _, p := range strings.Split(s, "_") {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	start := 0
	if len(parts) > 1 && isTitle(parts[0]) {
		start = 1
	}
	sur := -1
	for i := start; i < len(parts); i++ {
		if isCapitals(parts[i]) {
			sur = i
			break
		}
	}
	if sur < 0 {
		return strings.Join(parts, " ")
	}
	// "Dr_JEAN_DUPONT_…": a given name in capitals, right before the surname.
	if sur == start && sur+1 < len(parts) && isCapitals(parts[sur+1]) && sur+2 < len(parts) {
		sur++
	}
	name := strings.Join(parts[:sur+1], " ")
	if entity := strings.Join(parts[sur+1:], " "); entity != "" {
		return name + " — " + entity
	}
	return name
}

func isTitle(s string) bool {
	switch strings.ToLower(strings.TrimSuffix(s, ".")) {
	case "dr", "pr", "docteur", "professeur":
		return true
	}
	return false
}

// isCapitals: at least one letter, none in lower case.
func isCapitals(s string) bool {
	letter := false
	for _, r := range s {
		if unicode.IsLower(r) {
			return false
		}
		letter = letter || unicode.IsLetter(r)
	}
	return letter
}
