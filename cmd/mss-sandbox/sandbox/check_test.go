package sandbox

import (
	"context"
	"testing"

	"comptoir/cps/cpstest"
	"comptoir/mail/provisioning"
)

// POST /v1/bals/check answers as creation would, without a signature and without creating
// anything: the address a request gets, a taken address with its suggestion, an existing
// equivalent BAL, and nothing changes in the registry.
func TestProvisioningCheck(t *testing.T) {
	e := startEnv(t, nil)
	ctx := context.Background()

	// The titulaire's ORG BAL exists (seed): checking it again says so, with its address.
	tit := cpstest.Titulaire
	titCard := e.personCert(tit.Person)
	titAPI := e.apiClient(&titCard)
	org := provisioning.CreateRequest{Kind: provisioning.KindORG, CGUVersion: CurrentCGU, HolderID: tit.NationalID,
		Structure: &provisioning.Structure{FINESS: cpstest.Pharmacie.StructureID, Name: "Pharmacie des Tilleuls",
			PostalCode: "69003", City: "Lyon", Sector: "SA33"}}
	_, err := titAPI.Check(ctx, org)
	var ae *provisioning.Error
	if !provisioning.IsCode(err, provisioning.CodeAlreadyExists) || !asError(err, &ae) || ae.Suggestion != e.a.Pharmacy {
		t.Fatalf("check an existing ORG BAL: %v", err)
	}

	// A homonym of the préparateur: the address is taken, the suggestion is free.
	before := len(e.srv.reg.all())
	twin := cpstest.Person{NationalID: "899700999993", Surname: "LEBRETON", GivenName: "Maxime", Profession: "Pharmacien"}
	twinCard := e.personCert(twin)
	twinAPI := e.apiClient(&twinCard)
	prep := cpstest.Preparateur
	prepCard := e.personCert(prep.Person)
	prepAPI := e.apiClient(&prepCard)
	per := provisioning.CreateRequest{Kind: provisioning.KindPER, CGUVersion: CurrentCGU}
	c, err := prepAPI.Check(ctx, per)
	if err != nil || !c.Available || c.Address != "maxime.lebreton@"+e.srv.Domain() {
		t.Fatalf("check a free PER address: %+v %v", c, err)
	}
	signer, sigCert := e.sigKey(prep.Person)
	per.HolderID = prep.NationalID
	if _, err := prepAPI.CreateBAL(ctx, per, signer, sigCert); err != nil {
		t.Fatal(err)
	}
	per.HolderID = twin.NationalID
	_, err = twinAPI.Check(ctx, per)
	if !provisioning.IsCode(err, provisioning.CodeAddressTaken) || !asError(err, &ae) || ae.Suggestion != "maxime.lebreton2@"+e.srv.Domain() {
		t.Fatalf("check a taken address: %v", err)
	}
	per.Address = ae.Suggestion
	if c, err := twinAPI.Check(ctx, per); err != nil || c.Address != ae.Suggestion {
		t.Fatalf("check the suggestion: %+v %v", c, err)
	}
	// Only the préparateur's BAL was created; the checks created nothing.
	if after := len(e.srv.reg.all()); after != before+1 {
		t.Fatalf("registry holds %d BALs, want %d", after, before+1)
	}
	// Someone else's identity cannot be checked.
	per.HolderID = tit.NationalID
	if _, err := twinAPI.Check(ctx, per); !provisioning.IsCode(err, provisioning.CodeSignerMismatch) {
		t.Fatalf("check for another holder: %v", err)
	}
}
