package app

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"comptoir/mail/msg"
)

func TestPatientSizeProblem(t *testing.T) {
	u := &UI{tr: newTranslator("fr")}
	patient := Address{Email: "285046912304575@patient.mssante.fr"}
	doctor := Address{Email: "antoine.fauvel@sandbox.mssante.test"}
	att := func(n int) []Part { return []Part{{Attachment: Attachment{Name: "a.pdf"}, Data: make([]byte, n)}} }
	for _, c := range []struct {
		name    string
		d       Draft
		refused bool
	}{
		{"30 MB to a patient", Draft{To: []Address{patient}, Parts: att(30_000_000)}, true},
		{"20 MB to a patient: 27 MB once encoded", Draft{To: []Address{patient}, Parts: att(20_000_000)}, true},
		{"17 MB to a patient", Draft{To: []Address{patient}, Parts: att(17_000_000)}, false},
		{"30 MB to a professional", Draft{To: []Address{doctor}, Parts: att(30_000_000)}, false},
		{"30 MB with a patient in Cc", Draft{To: []Address{doctor}, Cc: []Address{patient}, Parts: att(30_000_000)}, true},
	} {
		got := u.patientSizeProblem(c.d)
		if (got != "") != c.refused {
			t.Errorf("%s: %q", c.name, got)
		}
		if c.refused && !strings.Contains(got, "Mon Espace Santé refuse les messages de plus de 25 Mo") {
			t.Errorf("%s: message %q", c.name, got)
		}
	}
	err := fmt.Errorf("wire: send: %w", msg.ErrTooLargeForPatient)
	if got := u.sendFailure(err); !strings.Contains(got, "dépasse 25 Mo") {
		t.Errorf("a build refused for size shows %q", got)
	}
}

func TestParseBirthDate(t *testing.T) {
	for in, want := range map[string]string{"12/04/1985": "1985-04-12", "1.2.1962": "1962-02-01", "30-09-1979": "1979-09-30", "": "0001-01-01"} {
		d, err := parseBirthDate(in)
		if err != nil || d.Format(time.DateOnly) != want {
			t.Errorf("%q: %v %v", in, d, err)
		}
	}
	for _, in := range []string{"31/02/1985", "1985-04-12", "12/04/2999", "hier"} {
		if _, err := parseBirthDate(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}
