package sandbox

import (
	"context"
	"slices"
	"testing"

	"comptoir/cps/cpstest"
	"comptoir/mail/provisioning"
)

func memberByID(m provisioning.Members, id string) provisioning.Member {
	for _, x := range m.Members {
		if x.NationalID == id {
			return x
		}
	}
	return provisioning.Member{}
}

func TestRoles(t *testing.T) {
	e := startEnv(t, nil)
	ctx := context.Background()
	titCard := e.personCert(cpstest.Titulaire.Person)
	mgrCard := e.personCert(cpstest.PharmacienCPS3.Person) // Gestionnaire in the seed
	usrCard := e.personCert(cpstest.Preparateur.Person)    // Utilisateur in the seed
	docCard := e.personCert(cpstest.Medecin.Person)
	tit, mgr, usr := e.apiClient(&titCard), e.apiClient(&mgrCard), e.apiClient(&usrCard)
	titID, mgrID, usrID, docID := cpstest.Titulaire.NationalID, cpstest.PharmacienCPS3.NationalID,
		cpstest.Preparateur.NationalID, cpstest.Medecin.NationalID
	org := e.a.Pharmacy

	// What each may do, as a client shows it.
	m, err := tit.Members(ctx, org)
	if err != nil {
		t.Fatal(err)
	}
	if m.CallerRole != provisioning.RoleAdmin || len(m.Grantable) != 3 || len(m.Members) != 3 {
		t.Fatalf("titulaire's view: %+v", m)
	}
	if self := memberByID(m, titID); self.Allowed.Remove || self.Allowed.Reason == "" {
		t.Fatalf("the last admin may be removed: %+v", self)
	}
	if x := memberByID(m, mgrID); !x.Allowed.Remove || len(x.Allowed.Roles) != 3 {
		t.Fatalf("admin's rights on the gestionnaire: %+v", x)
	}
	m, err = mgr.Members(ctx, org)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.Grantable, []string{provisioning.RoleUser}) {
		t.Fatalf("gestionnaire may grant %v", m.Grantable)
	}
	if x := memberByID(m, titID); x.Allowed.Remove || len(x.Allowed.Roles) != 0 {
		t.Fatalf("gestionnaire's rights on the admin: %+v", x)
	}
	if x := memberByID(m, usrID); !x.Allowed.Remove {
		t.Fatalf("gestionnaire's rights on a user: %+v", x)
	}

	// An Utilisateur manages nobody.
	if _, err := usr.SetMember(ctx, org, docID, provisioning.RoleUser, "Antoine FAUVEL"); !provisioning.IsCode(err, provisioning.CodeForbidden) {
		t.Fatalf("utilisateur adds a member: %v", err)
	}

	// A Gestionnaire manages Utilisateurs only.
	if _, err := mgr.SetMember(ctx, org, docID, provisioning.RoleAdmin, ""); !provisioning.IsCode(err, provisioning.CodeAdminOnly) {
		t.Fatalf("gestionnaire grants admin: %v", err)
	}
	if _, err := mgr.SetMember(ctx, org, titID, provisioning.RoleUser, ""); !provisioning.IsCode(err, provisioning.CodeManagerUsersOnly) {
		t.Fatalf("gestionnaire demotes the admin: %v", err)
	}
	if err := mgr.RemoveMember(ctx, org, titID); !provisioning.IsCode(err, provisioning.CodeManagerUsersOnly) {
		t.Fatalf("gestionnaire removes the admin: %v", err)
	}
	if _, err := e.imapLogin(&docCard, org, false, nil); imapCode(err) != "AUTHORIZATIONFAILED" {
		t.Fatalf("doctor opens the ORG BAL before being granted: %v", err)
	}
	if _, err := mgr.SetMember(ctx, org, docID, provisioning.RoleUser, "Antoine FAUVEL"); err != nil {
		t.Fatalf("gestionnaire adds a user: %v", err)
	}
	if _, err := e.imapLogin(&docCard, org, false, nil); err != nil {
		t.Fatalf("granted user opens the ORG BAL: %v", err)
	}
	if err := mgr.RemoveMember(ctx, org, docID); err != nil {
		t.Fatalf("gestionnaire removes a user: %v", err)
	}
	if _, err := e.imapLogin(&docCard, org, false, nil); imapCode(err) != "AUTHORIZATIONFAILED" {
		t.Fatalf("removed user still opens the ORG BAL: %v", err)
	}

	// The last admin cannot leave; once another admin exists, they can step down.
	if _, err := tit.SetMember(ctx, org, titID, provisioning.RoleManager, ""); !provisioning.IsCode(err, provisioning.CodeLastAdmin) {
		t.Fatalf("last admin demotes self: %v", err)
	}
	if err := tit.RemoveMember(ctx, org, titID); !provisioning.IsCode(err, provisioning.CodeLastAdmin) {
		t.Fatalf("last admin removed: %v", err)
	}
	if _, err := tit.SetMember(ctx, org, mgrID, provisioning.RoleAdmin, ""); err != nil {
		t.Fatalf("admin grants admin: %v", err)
	}
	if _, err := tit.SetMember(ctx, org, titID, provisioning.RoleManager, ""); err != nil {
		t.Fatalf("admin steps down once another admin exists: %v", err)
	}
	if _, err := tit.SetMember(ctx, org, usrID, provisioning.RoleAdmin, ""); !provisioning.IsCode(err, provisioning.CodeAdminOnly) {
		t.Fatalf("former admin still grants admin: %v", err)
	}

	// Roles exist on ORG BALs only.
	if _, err := tit.Members(ctx, e.a.Titulaire); !provisioning.IsCode(err, provisioning.CodeNotOrganisational) {
		t.Fatalf("members of a PER BAL: %v", err)
	}
}
