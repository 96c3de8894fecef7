package bridge

import (
	"net/mail"
	"testing"

	"comptoir/app"
)

// Directory names go unquoted into the composer's address fields: whatever the directory
// holds, the suggestion must read back as one address with the same mailbox.
func TestHeaderNameParsesBack(t *testing.T) {
	for in, want := range map[string]string{
		"Dr Jean DUPONT":                      "Dr Jean DUPONT",
		"PHARMACIE (CENTRE), PAU":             "PHARMACIE CENTRE PAU",
		`CABINET "LES TILLEULS"; <SELARL>`:    "CABINET LES TILLEULS SELARL",
		"Dr Hélène D'ARTAGNAN-LÉVY":           "Dr Hélène D'ARTAGNAN-LÉVY",
		"CENTRE MÉDICAL\t  SAINT-JOSEPH @ 2e": "CENTRE MÉDICAL SAINT-JOSEPH 2e",
	} {
		got := headerName(in)
		if got != want {
			t.Errorf("headerName(%q) = %q, want %q", in, got, want)
		}
		a := app.Address{Name: got, Email: "x.y@medecin.mssante.fr"}
		p, err := mail.ParseAddress(a.String())
		if err != nil || p.Address != a.Email || p.Name != got {
			t.Errorf("%q does not parse back: %v %v", a.String(), p, err)
		}
	}
}
