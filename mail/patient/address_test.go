package patient

import (
	"errors"
	"testing"
	"time"
)

func marie() Patient {
	return Patient{
		INS:        "255081416802538",
		BirthName:  "Dupont",
		FirstNames: "Marie Louise",
		BirthDate:  time.Date(1955, time.August, 3, 0, 0, 0, 0, time.UTC),
		Sex:        Female,
		Qualified:  true,
	}
}

func TestAddress(t *testing.T) {
	got, err := Address(marie())
	if err != nil || got != "255081416802538@patient.mssante.fr" {
		t.Fatalf("Address = %q, %v", got, err)
	}
	back, err := ParseAddress("Marie DUPONT <255081416802538@Patient.MSSante.fr>")
	if err != nil || back != "255081416802538" {
		t.Fatalf("ParseAddress = %q, %v", back, err)
	}
	if !IsAddress(got) || IsAddress("pharmacie-centrale-75001-paris@sandbox.mssante.test") {
		t.Error("IsAddress does not tell patients from professionals")
	}
}

func TestAddressRefused(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Patient)
		want   error
	}{
		{"not qualified", func(p *Patient) { p.Qualified = false }, ErrNotQualified},
		{"wrong sex", func(p *Patient) { p.Sex = Male }, ErrSexMismatch},
		{"wrong year", func(p *Patient) { p.BirthDate = p.BirthDate.AddDate(1, 0, 0) }, ErrBirthDateMismatch},
		{"wrong month", func(p *Patient) { p.BirthDate = p.BirthDate.AddDate(0, 1, 0) }, ErrBirthDateMismatch},
		{"no birth date", func(p *Patient) { p.BirthDate = time.Time{} }, ErrBirthDateMissing},
		{"bad key", func(p *Patient) { p.INS = "255081416802539" }, ErrKey},
	}
	for _, tt := range tests {
		p := marie()
		tt.change(&p)
		if addr, err := Address(p); !errors.Is(err, tt.want) || addr != "" {
			t.Errorf("%s: Address = %q, %v; want %v", tt.name, addr, err, tt.want)
		}
	}
}

func TestAddressUnknownMonthConfirmsOnYear(t *testing.T) {
	p := Patient{INS: "269209935023419", Sex: Female, Qualified: true,
		BirthDate: time.Date(1969, time.July, 1, 0, 0, 0, 0, time.UTC)}
	if _, err := Address(p); err != nil {
		t.Fatalf("pseudo-month INS: %v", err)
	}
}

func TestParseAddressErrors(t *testing.T) {
	if _, err := ParseAddress("jean.martin@sandbox.mssante.test"); !errors.Is(err, ErrNotPatientAddress) {
		t.Errorf("professional address: %v", err)
	}
	if _, err := ParseAddress("255081416802539@patient.mssante.fr"); !errors.Is(err, ErrKey) {
		t.Errorf("bad key: %v", err)
	}
	for _, s := range []string{"", "@", "x@", "<>", "\"unterminated"} {
		if _, err := ParseAddress(s); err == nil {
			t.Errorf("ParseAddress(%q) accepted", s)
		}
	}
}

func TestRecordRoundTrip(t *testing.T) {
	p := marie()
	r := p.Record()
	if r.INS != "255081416802538" || r.Sex != "F" || !r.Qualified {
		t.Fatalf("Record = %+v", r)
	}
	back, err := FromRecord(r)
	if err != nil || back != p {
		t.Fatalf("FromRecord = %+v, %v", back, err)
	}
	r.INS = "123"
	if _, err := FromRecord(r); !errors.Is(err, ErrLength) {
		t.Errorf("FromRecord(bad INS) = %v", err)
	}
	if p.DisplayName() != "DUPONT Marie Louise" {
		t.Errorf("DisplayName = %q", p.DisplayName())
	}
}
