package sandbox

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"comptoir/cps/cpstest"
	"comptoir/mail/provisioning"
)

// tilleuls is the pharmacy's structure as a client sends it.
func tilleuls() *provisioning.Structure {
	return &provisioning.Structure{FINESS: cpstest.Pharmacie.StructureID, Name: "Pharmacie des Tilleuls",
		PostalCode: "69003", City: "Lyon", Sector: cpstest.Pharmacie.Sector}
}

// create signs req with p's card and submits it over p's TLS identity.
func (e *env) create(p cpstest.Person, req provisioning.CreateRequest) (provisioning.BAL, error) {
	e.t.Helper()
	card := e.personCert(p)
	signer, sigCert := e.sigKey(p)
	req.CGUVersion, req.HolderID = CurrentCGU, p.NationalID
	return e.apiClient(&card).CreateBAL(context.Background(), req, signer, sigCert)
}

func pemChain(c tls.Certificate) string {
	var b strings.Builder
	for _, der := range c.Certificate {
		b.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	}
	return b.String()
}

// wantRefusal checks an API refusal: its code and the French message the user reads.
func wantRefusal(t *testing.T, what string, err error, code, msg string) {
	t.Helper()
	var ae *provisioning.Error
	if !asError(err, &ae) || ae.Code != code || !strings.Contains(ae.Message, msg) {
		t.Fatalf("%s: got %v, want %s « %s »", what, err, code, msg)
	}
}

// The operator, not only the client, keeps a pharmacy's ORG BAL to pharmacists.
func TestProvisioningORGOnlyByAPharmacist(t *testing.T) {
	e := startEnv(t, func(o *Options) { o.Seed = false })
	const msg = "Seul un pharmacien (le titulaire de l'officine) peut créer la BAL organisationnelle de l'officine."

	_, err := e.create(cpstest.Preparateur.Person, provisioning.CreateRequest{Kind: provisioning.KindORG, Structure: tilleuls()})
	wantRefusal(t, "préparateur, pharmacy by name and sector", err, provisioning.CodeNotPharmacist, msg)
	// A pharmacy whose name does not say so is one by its sector.
	officine := tilleuls()
	officine.Name = "Officine du Parc"
	_, err = e.create(cpstest.Preparateur.Person, provisioning.CreateRequest{Kind: provisioning.KindORG, Structure: officine})
	wantRefusal(t, "préparateur, pharmacy by sector", err, provisioning.CodeNotPharmacist, msg)
	// And one named « Pharmacie … » is one whatever the sector sent.
	noSector := tilleuls()
	noSector.Sector = ""
	_, err = e.create(cpstest.Medecin.Person, provisioning.CreateRequest{Kind: provisioning.KindORG, Structure: noSector})
	wantRefusal(t, "doctor, pharmacy by name", err, provisioning.CodeNotPharmacist, msg)
	if n := len(e.srv.reg.all()); n != 0 {
		t.Fatalf("%d BAL(s) created by refused requests", n)
	}

	// Another structure's ORG BAL is its professionals' (the doctor's hospital).
	hosp := cpstest.Medecin.Situations[1]
	b, err := e.create(cpstest.Medecin.Person, provisioning.CreateRequest{Kind: provisioning.KindORG, Structure: &provisioning.Structure{
		FINESS: hosp.StructureID, Name: "Centre hospitalier des Cèdres", PostalCode: hosp.PostalCode, City: hosp.Town, Sector: hosp.Sector}})
	if err != nil || b.Address != "centre-hospitalier-des-cedres-69004-lyon@"+e.srv.Domain() {
		t.Fatalf("hospital ORG BAL: %+v %v", b, err)
	}
	// The pharmacist gets the pharmacy's.
	b, err = e.create(cpstest.PharmacienCPS3.Person, provisioning.CreateRequest{Kind: provisioning.KindORG, Structure: tilleuls()})
	if err != nil || b.Role != provisioning.RoleAdmin {
		t.Fatalf("pharmacist's ORG BAL: %+v %v", b, err)
	}
}

// Only an Administrateur of the structure's ORG BAL creates its APP BAL, with the
// structure's own organisation certificate.
func TestProvisioningAPPOnlyByAnAdministrateur(t *testing.T) {
	e := startEnv(t, nil) // seed: titulaire Administrateur, CPS3 pharmacist Gestionnaire, préparateur Utilisateur
	app, err := e.pki.IssueOrganisation("PHARMACIE DES TILLEULS", cpstest.Pharmacie.StructureID)
	if err != nil {
		t.Fatal(err)
	}
	req := provisioning.CreateRequest{Kind: provisioning.KindAPP, Structure: tilleuls(), AppCertificate: pemChain(app)}
	const msg = "Seul un administrateur de la BAL de l'officine peut créer sa BAL applicative."
	_, err = e.create(cpstest.PharmacienCPS3.Person, req)
	wantRefusal(t, "Gestionnaire", err, provisioning.CodeAdminOnly, msg)
	_, err = e.create(cpstest.Preparateur.Person, req)
	wantRefusal(t, "Utilisateur", err, provisioning.CodeAdminOnly, msg)

	// A structure without an ORG BAL: nobody administers it yet.
	other, err := e.pki.IssueOrganisation("PHARMACIE DU MARCHE", "690999149")
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.create(cpstest.Titulaire.Person, provisioning.CreateRequest{Kind: provisioning.KindAPP, AppCertificate: pemChain(other),
		Structure: &provisioning.Structure{FINESS: "690999149", Name: "Pharmacie du Marché", PostalCode: "69002", City: "Lyon", Sector: "SA33"}})
	wantRefusal(t, "no ORG BAL", err, provisioning.CodeAdminOnly, "créez d'abord celle-ci")

	// The Administrateur, with another structure's certificate.
	wrong := req
	wrong.AppCertificate = pemChain(other)
	_, err = e.create(cpstest.Titulaire.Person, wrong)
	wantRefusal(t, "another structure's certificate", err, provisioning.CodeInvalidRequest, "celui d'une autre structure (PHARMACIE DU MARCHE)")

	b, err := e.create(cpstest.Titulaire.Person, req)
	if err != nil || b.Address != "app-pharmacie-des-tilleuls-690999123@"+e.srv.Domain() {
		t.Fatalf("Administrateur's APP BAL: %+v %v", b, err)
	}
}

// An APP address ends with the FINESS's digits: its homonym is numbered after them
// (balrules.Numbered), and the suggestion is accepted when sent back.
func TestProvisioningAPPHomonym(t *testing.T) {
	e := startEnv(t, nil)
	addr := "app-pharmacie-des-tilleuls-690999123@" + e.srv.Domain()
	// The address is held by a BAL opened by another identity (a certificate since replaced).
	e.srv.reg.mu.Lock()
	e.srv.reg.BALs[addr] = &balRecord{Address: addr, Kind: provisioning.KindAPP, AppIdentity: "3690999123",
		Structure: tilleuls(), Created: time.Now(), ActiveAt: time.Now()}
	e.srv.reg.mu.Unlock()

	app, err := e.pki.IssueOrganisation("PHARMACIE DES TILLEULS", cpstest.Pharmacie.StructureID)
	if err != nil {
		t.Fatal(err)
	}
	req := provisioning.CreateRequest{Kind: provisioning.KindAPP, Structure: tilleuls(), AppCertificate: pemChain(app)}
	_, err = e.create(cpstest.Titulaire.Person, req)
	want := "app-pharmacie-des-tilleuls-690999123-2@" + e.srv.Domain()
	var ae *provisioning.Error
	if !provisioning.IsCode(err, provisioning.CodeAddressTaken) || !asError(err, &ae) || ae.Suggestion != want {
		t.Fatalf("APP homonym: %v (suggestion %q, want %q)", err, ae.Suggestion, want)
	}
	req.Address = ae.Suggestion
	if b, err := e.create(cpstest.Titulaire.Person, req); err != nil || b.Address != want {
		t.Fatalf("APP homonym with the suggestion: %+v %v", b, err)
	}
}
