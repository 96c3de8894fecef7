package sandbox

import (
	"strings"
	"testing"

	"comptoir/mail/balrules"
	"comptoir/mail/provisioning"
)

// The operator computes and checks addresses with the client's rules (mail/balrules): the
// wizard's address is the one the operator gives, even for tricky or long names.
func TestAddressRulesAreTheClients(t *testing.T) {
	st := &provisioning.Structure{Name: "Pharmacie de l'Œuvre et de la Grande Place du Marché aux Herbes", PostalCode: "94240", City: "L'Haÿ-les-Roses", FINESS: "940000011"}
	base, aerr := baseLocalPart(provisioning.KindORG, "", "", st)
	want, err := balrules.LocalORG(st.Name, st.PostalCode, st.City)
	if aerr != nil || err != nil || base != want || len(base) > 64 || !strings.HasSuffix(base, "-94240-l-hay-les-roses") {
		t.Fatalf("ORG base %q (%v), client %q (%v)", base, aerr, want, err)
	}
	d := DefaultDomain
	if e := checkRequested(balrules.Numbered(base, provisioning.KindORG, 2)+"@"+d, base, provisioning.KindORG, d); e != nil {
		t.Errorf("the numbered homonym is refused: %v", e)
	}
	for _, bad := range []string{base + "-x@" + d, base + "-1@" + d, base + "@other.test", "autre@" + d} {
		if e := checkRequested(bad, base, provisioning.KindORG, d); e == nil || e.Code != provisioning.CodeInvalidAddress {
			t.Errorf("%s accepted", bad)
		}
	}
	per, _ := baseLocalPart(provisioning.KindPER, "Jean-Pierre", "Saint-Étienne", nil)
	if per != "jean-pierre.saint-etienne" {
		t.Errorf("PER base %q", per)
	}
	taken := map[string]bool{per + "2@" + d: true}
	if s := suggest(per, provisioning.KindPER, d, func(a string) bool { return taken[a] }); s != per+"3@"+d {
		t.Errorf("suggestion %q", s)
	}
	if _, e := baseLocalPart(provisioning.KindORG, "", "", &provisioning.Structure{Name: "Pharmacie", PostalCode: "69003", City: "Lyon"}); e == nil || e.Code != provisioning.CodeInvalidAddress {
		t.Errorf("a nameless pharmacy: %v", e)
	}
}
