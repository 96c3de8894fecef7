package sandbox

import (
	"testing"

	"comptoir/mail/msg"
)

// TestSeedAsTheClientSeesIt parses every seeded message with the client's format package:
// nothing is malformed and each counter situation is classified as the list will show it.
func TestSeedAsTheClientSeesIt(t *testing.T) {
	e := startEnv(t, nil)
	kinds := map[string]int{}
	for _, addr := range []string{e.a.Pharmacy, e.a.Titulaire} {
		raws, err := e.srv.Messages(addr)
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range raws {
			p, err := msg.Parse(raw)
			if err != nil {
				t.Fatalf("seed message unreadable: %v", err)
			}
			if len(p.Defects) > 0 {
				t.Errorf("%q: defects %v", p.Subject, p.Defects)
			}
			kinds[p.Kind()]++
			switch p.Kind() {
			case "xdm":
				if p.XDM == nil || p.Patient == nil || p.Patient.INS != SeedPatientINS()[0] {
					t.Errorf("XDM message: patient %+v, error %v", p.Patient, p.XDMError)
				}
			case "patient":
				if p.Patient == nil || !validINS(p.Patient.INS) {
					t.Errorf("patient message without a valid INS: %+v", p.Patient)
				}
			}
			if p.MDNRequest != nil {
				kinds["mdn-request"]++
			}
		}
	}
	for _, k := range []string{"xdm", "patient", "dsn", "mdn-request", ""} {
		if kinds[k] == 0 {
			t.Errorf("no seeded message of kind %q (%v)", k, kinds)
		}
	}
}
