package patient

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestDefaultTemplates(t *testing.T) {
	var subjects []string
	for _, tp := range DefaultTemplates() {
		subjects = append(subjects, tp.Subject)
	}
	want := []string{"Votre ordonnance est prête", "Votre médicament est disponible", "Votre médicament est commandé"}
	if !reflect.DeepEqual(subjects, want) {
		t.Errorf("subjects = %q", subjects)
	}
	body := DefaultTemplates()[2].Body
	if got := Placeholders(body); !reflect.DeepEqual(got, []string{"patient", "medicament", "date", "pharmacie"}) {
		t.Errorf("Placeholders = %q", got)
	}
	filled, missing := Fill(body, map[string]string{"patient": "Marie DUPONT", "medicament": "Levothyrox 75", "date": "jeudi 27 novembre"})
	if !reflect.DeepEqual(missing, []string{"pharmacie"}) {
		t.Errorf("missing = %q", missing)
	}
	const line = "Votre médicament Levothyrox 75 est commandé, disponible le jeudi 27 novembre."
	if !strings.Contains(filled, line) {
		t.Errorf("filled body lacks %q:\n%s", line, filled)
	}
}

func TestTemplatesJSON(t *testing.T) {
	ts := append(DefaultTemplates(), Template{Name: "Rappel", Subject: "Rappel", Body: "Pensez à {x}"})
	data, err := MarshalTemplates(ts)
	if err != nil {
		t.Fatal(err)
	}
	back, err := UnmarshalTemplates(data)
	if err != nil || !reflect.DeepEqual(back, ts) {
		t.Fatalf("round trip = %+v, %v", back, err)
	}
	if d, err := UnmarshalTemplates(nil); err != nil || len(d) != 3 {
		t.Errorf("empty settings = %d templates, %v; want the 3 defaults", len(d), err)
	}
	bad := [][]byte{[]byte("{"), []byte(`{"version":2,"templates":[]}`),
		[]byte(`{"version":1,"templates":[{"name":""}]}`),
		[]byte(`{"version":1,"templates":[{"name":"A"},{"name":"a"}]}`)}
	for _, b := range bad {
		if _, err := UnmarshalTemplates(b); !errors.Is(err, ErrTemplates) {
			t.Errorf("UnmarshalTemplates(%s) = %v; want ErrTemplates", b, err)
		}
	}
}
