package memsession

import (
	"context"
	"fmt"
	"strings"

	"comptoir/app"
)

// Provisioning opens an in-memory operator on a session: the CGU, the holder's card, the
// pharmacy's structure, and the ORG BAL's members. Enough for the wizard and the roles
// screen to open and walk their steps; requests are accepted and come back pending.
type Provisioning struct{}

// Open gives the provisioning access of s.
func (Provisioning) Open(s app.Session) (app.Provisioner, error) {
	return &provisioner{s: s}, nil
}

type provisioner struct{ s app.Session }

func (p *provisioner) Card() app.CardData {
	h := p.s.Holder()
	c := app.CardData{Label: "CPS " + strings.ToUpper(h.GivenName+" "+h.Surname), NationalID: h.NationalID, IDType: h.IDType,
		GivenName: h.GivenName, Surname: h.Surname, Profession: h.Profession}
	for _, sit := range h.Situations {
		name, _, _ := strings.Cut(sit, " — ")
		c.Situations = append(c.Situations, app.CardSituation{StructureName: name, StructureIDType: 1,
			StructureID: "690999123", FINESS: "690999123", Sector: "SA33"})
	}
	return c
}

func (p *provisioner) Domain() string { return "sandbox.mssante.test" }

func (p *provisioner) CGU(context.Context) (app.CGU, error) {
	return app.CGU{Version: "2026-01", Title: "Conditions générales d'utilisation",
		Text: strings.Repeat("Article : l'utilisateur s'engage à n'échanger que des données de santé utiles à la prise en charge. ", 40)}, nil
}

func (p *provisioner) Structure(_ context.Context, finess string) (app.Structure, bool, error) {
	return app.Structure{FINESS: finess, Name: "PHARMACIE DES TILLEULS", Street: "12 rue des Tilleuls",
		PostalCode: "69003", Town: "LYON", Sector: "SA33"}, true, nil
}

func (p *provisioner) Eligible(string, int) error { return nil }

func (p *provisioner) Address(kind string, st app.Structure) (string, error) {
	switch kind {
	case app.KindPER:
		h := p.s.Holder()
		return strings.ToLower(h.GivenName+"."+h.Surname) + "@sandbox.mssante.test", nil
	case app.KindAPP:
		return "app-" + strings.ToLower(st.FINESS) + "@sandbox.mssante.test", nil
	}
	return "pharmacie-" + strings.ToLower(st.FINESS) + "@sandbox.mssante.test", nil
}

func (p *provisioner) AppCertificate([]byte, []byte) (app.AppCertificate, error) {
	return app.AppCertificate{}, fmt.Errorf("memsession: no structure certificate here")
}

func (p *provisioner) BALs(context.Context) ([]app.BALStatus, error) {
	var out []app.BALStatus
	for _, b := range p.s.BALs() {
		out = append(out, app.BALStatus{BAL: b, Status: app.StatusActive})
	}
	return out, nil
}

func (p *provisioner) Create(_ context.Context, r app.CreateRequest) (app.BALStatus, error) {
	return app.BALStatus{BAL: app.BAL{Address: r.Address, Kind: r.Kind, DisplayName: r.DisplayName, State: app.BALPending},
		Status: app.StatusPending}, nil
}

func (p *provisioner) Members(context.Context, string) (app.Members, error) {
	h := p.s.Holder()
	return app.Members{CallerRole: app.RoleAdmin, Grantable: []string{app.RoleAdmin, app.RoleManager, app.RoleUser},
		Members: []app.Member{
			{NationalID: h.NationalID, Name: h.GivenName + " " + h.Surname, Role: app.RoleAdmin, AllowedRoles: []string{app.RoleAdmin}},
			{NationalID: "0699901237", Name: "Maxime LEBRETON", Role: app.RoleUser,
				AllowedRoles: []string{app.RoleAdmin, app.RoleManager, app.RoleUser}, MayRemove: true},
		}}, nil
}

func (p *provisioner) SetMember(context.Context, string, string, string, string) error { return nil }
func (p *provisioner) RemoveMember(context.Context, string, string) error              { return nil }

func (p *provisioner) FindPeople(context.Context, string, int) ([]app.Person, error) {
	return []app.Person{{NationalID: "899700635719", Name: "Sophie GARNIER", Profession: "Pharmacien", Town: "LYON"}}, nil
}

func (p *provisioner) Close() {}
