package psc

import (
	"crypto/sha256"
	"fmt"
)

// User is a health professional known to the provider, as the RPPS describes them.
type User struct {
	NationalID     string // "8"+RPPS or "0"+ADELI: preferred_username, SubjectNameID
	Civility       string // codeCivilite: "M", "MME" or empty
	Surname        string // family_name, nomDexercice
	GivenName      string // given_name, prenomDexercice
	ProfessionCode string // TRE_G15 (21 pharmacien, 10 médecin…); empty when unknown
	Category       string // codeCategorieProfessionnelle: "C" civil (default)
	Situations     []Situation
}

// Situation is one practice situation (an activity of the exercice).
type Situation struct {
	StructureName string // raisonSocialeSite
	StructureID   string // ancienIdentifiantDeLaStructure: id type digit + id (1 + FINESS, 4 + RPPS…)
	FINESS        string // numeroFinessSite, when the structure has one
	Sector        string // codeSecteurDactivite, e.g. SA33 (officine)
	Mode          string // codeModeExercice: L libéral, S salarié
	PostalCode    string
	Town          string
}

// subject is the user's stable sub, shaped like PSC's federated ids ("f:<uuid>:<id>").
func (u User) subject() string {
	h := sha256.Sum256([]byte("psc-sandbox:" + u.NationalID))
	return fmt.Sprintf("f:%x-%x-%x-%x-%x:%s", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16], u.NationalID)
}

// Userinfo is the userinfo document, in the shape PSC returns (only the fields the sandbox
// can fill; PSC sends more, clients must ignore unknown fields).
type Userinfo struct {
	Sub                 string        `json:"sub"`
	PreferredUsername   string        `json:"preferred_username"`
	SubjectNameID       string        `json:"SubjectNameID"`
	GivenName           string        `json:"given_name"`
	FamilyName          string        `json:"family_name"`
	Civility            string        `json:"codeCivilite"`
	SubjectOrganization string        `json:"SubjectOrganization,omitempty"`
	SubjectRole         []string      `json:"SubjectRole,omitempty"`
	SectorOfActivity    string        `json:"Secteur_Activite,omitempty"`
	AuthLevel           string        `json:"Palier_Authentification"`
	OtherIDs            []OtherID     `json:"otherIds"`
	SubjectRefPro       SubjectRefPro `json:"SubjectRefPro"`
	UITVersion          string        `json:"UITVersion"`
}

// OtherID is an entry of otherIds.
type OtherID struct {
	ID      string `json:"identifiant"`
	Origin  string `json:"origine"`
	Quality int    `json:"qualite"`
}

// SubjectRefPro is the professional's record: one exercice per profession.
type SubjectRefPro struct {
	Civility  string     `json:"codeCivilite"`
	Exercices []Exercice `json:"exercices"`
}

// Exercice is one profession exercised, with its activities (practice situations).
type Exercice struct {
	ProfessionCode  string     `json:"codeProfession"`
	CategoryCode    string     `json:"codeCategorieProfessionnelle"`
	Surname         string     `json:"nomDexercice"`
	GivenName       string     `json:"prenomDexercice"`
	SavoirFaireType string     `json:"codeTypeSavoirFaire"`
	SavoirFaire     string     `json:"codeSavoirFaire"`
	Activities      []Activity `json:"activities"`
}

// Activity is one practice situation.
type Activity struct {
	Mode            string `json:"codeModeExercice"`
	Sector          string `json:"codeSecteurDactivite"`
	PharmacySection string `json:"codeSectionPharmacien"`
	Role            string `json:"codeRole"`
	Genre           string `json:"codeGenreActivite"`
	FINESS          string `json:"numeroFinessSite"`
	TechnicalID     string `json:"identifiantTechniqueDeLaStructure"`
	Name            string `json:"raisonSocialeSite"`
	PostalCode      string `json:"codePostal"`
	Cedex           string `json:"bureauCedex"`
	StructureID     string `json:"ancienIdentifiantDeLaStructure"`
	Registration    string `json:"autoriteDenregistrement"`
}

// authLevel is the e-CPS's authentication level as PSC reports it.
const authLevel = "APPPRIP3^1.2.250.1.213.1.5.1.1.1"

func (u User) userinfo() Userinfo {
	cat := u.Category
	if cat == "" {
		cat = "C"
	}
	ex := Exercice{ProfessionCode: u.ProfessionCode, CategoryCode: cat, Surname: u.Surname, GivenName: u.GivenName}
	for i, s := range u.Situations {
		mode := s.Mode
		if mode == "" {
			mode = "L"
		}
		ex.Activities = append(ex.Activities, Activity{
			Mode: mode, Sector: s.Sector, Genre: "GENR01", FINESS: s.FINESS,
			TechnicalID: fmt.Sprintf("R%05d", i+1), Name: s.StructureName, PostalCode: s.PostalCode,
			Cedex: s.PostalCode + " " + s.Town, StructureID: s.StructureID,
		})
	}
	ui := Userinfo{
		Sub: u.subject(), PreferredUsername: u.NationalID, SubjectNameID: u.NationalID,
		GivenName: u.GivenName, FamilyName: u.Surname, Civility: u.Civility, AuthLevel: authLevel,
		OtherIDs:      []OtherID{{ID: u.NationalID, Origin: "RPPS", Quality: 1}},
		SubjectRefPro: SubjectRefPro{Civility: u.Civility, Exercices: []Exercice{ex}},
		UITVersion:    "1.0",
	}
	if u.ProfessionCode != "" {
		ui.SubjectRole = []string{u.ProfessionCode + "^1.2.250.1.213.1.1.5.5"}
	}
	if len(u.Situations) > 0 {
		ui.SubjectOrganization = u.Situations[0].StructureName
		ui.SectorOfActivity = u.Situations[0].Sector + "^1.2.250.1.71.4.2.4"
	}
	return ui
}
