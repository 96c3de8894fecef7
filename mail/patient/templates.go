package patient

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Template is a reply the counter sends often. Subject and Body may hold placeholders
// such as {patient} or {date}, filled by Fill.
type Template struct {
	Name    string `json:"name"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
}

// Placeholders understood by the app; any {name} is accepted by Fill.
const (
	PlaceholderPatient    = "patient"    // the patient's first names and birth name
	PlaceholderMedicament = "medicament" // the medicine's name
	PlaceholderDate       = "date"       // a date, e.g. "jeudi 27 novembre"
	PlaceholderPharmacie  = "pharmacie"  // the pharmacy's name
)

// DefaultTemplates returns the templates offered before the user edits them.
func DefaultTemplates() []Template {
	const sig = "\n\nBien cordialement,\n{pharmacie}"
	return []Template{
		{
			Name:    "Ordonnance prête",
			Subject: "Votre ordonnance est prête",
			Body:    "Bonjour {patient},\n\nVotre ordonnance est prête : vous pouvez passer la retirer à la pharmacie." + sig,
		},
		{
			Name:    "Médicament disponible",
			Subject: "Votre médicament est disponible",
			Body:    "Bonjour {patient},\n\nVotre médicament {medicament} est disponible à la pharmacie." + sig,
		},
		{
			Name:    "Médicament commandé",
			Subject: "Votre médicament est commandé",
			Body:    "Bonjour {patient},\n\nVotre médicament {medicament} est commandé, disponible le {date}." + sig,
		},
	}
}

var placeholderRE = regexp.MustCompile(`\{([a-zA-Z_][a-zA-Z0-9_]*)\}`)

// Fill replaces each {name} in text with values[name]. Placeholders without a value are
// left as they are and returned in missing, so the UI can ask for them before sending.
func Fill(text string, values map[string]string) (filled string, missing []string) {
	seen := map[string]bool{}
	filled = placeholderRE.ReplaceAllStringFunc(text, func(m string) string {
		name := m[1 : len(m)-1]
		if v, ok := values[name]; ok {
			return v
		}
		if !seen[name] {
			seen[name] = true
			missing = append(missing, name)
		}
		return m
	})
	return filled, missing
}

// Placeholders lists the distinct placeholder names of text, in order of appearance.
func Placeholders(text string) []string {
	_, names := Fill(text, nil)
	return names
}

// ErrTemplates marks settings JSON that cannot be used as templates.
var ErrTemplates = errors.New("invalid reply templates")

type templatesJSON struct {
	Version   int        `json:"version"`
	Templates []Template `json:"templates"`
}

// MarshalTemplates encodes templates for the settings store.
func MarshalTemplates(ts []Template) ([]byte, error) {
	if err := checkTemplates(ts); err != nil {
		return nil, err
	}
	if ts == nil {
		ts = []Template{}
	}
	return json.MarshalIndent(templatesJSON{Version: 1, Templates: ts}, "", "  ")
}

// UnmarshalTemplates decodes MarshalTemplates's output. Empty data yields the defaults.
func UnmarshalTemplates(data []byte) ([]Template, error) {
	if len(strings.TrimSpace(string(data))) == 0 {
		return DefaultTemplates(), nil
	}
	var v templatesJSON
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("patient: templates: %w: %v", ErrTemplates, err)
	}
	if v.Version != 1 {
		return nil, fmt.Errorf("patient: templates version %d: %w", v.Version, ErrTemplates)
	}
	if err := checkTemplates(v.Templates); err != nil {
		return nil, err
	}
	if v.Templates == nil {
		v.Templates = []Template{}
	}
	return v.Templates, nil
}

func checkTemplates(ts []Template) error {
	names := map[string]bool{}
	for i, t := range ts {
		n := strings.TrimSpace(t.Name)
		if n == "" {
			return fmt.Errorf("patient: template %d has no name: %w", i+1, ErrTemplates)
		}
		if names[strings.ToLower(n)] {
			return fmt.Errorf("patient: template name %q repeated: %w", n, ErrTemplates)
		}
		names[strings.ToLower(n)] = true
	}
	return nil
}
