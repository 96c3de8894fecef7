package psc

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// Login methods.
const (
	MethodECPS    = "e-CPS"   // CIBA, approved on the phone
	MethodBrowser = "browser" // authorization code in the browser
)

// Identity is the logged-in professional as PSC vouches for them.
type Identity struct {
	NationalID     string // preferred_username: "8"+RPPS or "0"+ADELI, as on the card
	Subject        string // PSC's sub
	GivenName      string
	FamilyName     string
	Civility       string // codeCivilite
	ProfessionCode string // TRE_G15 code of the first exercice ("21" pharmacien)
	Situations     []Situation
	Method         string // MethodECPS or MethodBrowser
}

// Situation is one practice situation (SubjectRefPro.exercices[].activities[]).
type Situation struct {
	ProfessionCode string // of its exercice
	StructureName  string // raisonSocialeSite
	StructureID    string // ancienIdentifiantDeLaStructure (type digit + id, "1"+FINESS…)
	FINESS         string // numeroFinessSite
	Sector         string // codeSecteurDactivite ("SA33" officine)
	Mode           string // codeModeExercice (L libéral, S salarié)
	PostalCode     string
}

// idClaims are the ID token claims read.
type idClaims struct {
	PreferredUsername string `json:"preferred_username"`
	SubjectNameID     string `json:"SubjectNameID"`
	GivenName         string `json:"given_name"`
	FamilyName        string `json:"family_name"`
}

// userinfo is the part of PSC's userinfo read.
type userinfo struct {
	Sub               string `json:"sub"`
	PreferredUsername string `json:"preferred_username"`
	GivenName         string `json:"given_name"`
	FamilyName        string `json:"family_name"`
	Civility          string `json:"codeCivilite"`
	SubjectRefPro     struct {
		Exercices []struct {
			ProfessionCode string `json:"codeProfession"`
			Activities     []struct {
				Mode        string `json:"codeModeExercice"`
				Sector      string `json:"codeSecteurDactivite"`
				FINESS      string `json:"numeroFinessSite"`
				Name        string `json:"raisonSocialeSite"`
				PostalCode  string `json:"codePostal"`
				StructureID string `json:"ancienIdentifiantDeLaStructure"`
			} `json:"activities"`
		} `json:"exercices"`
	} `json:"SubjectRefPro"`
}

// verifyIdentity checks the ID token (signature, issuer, audience, expiry; nonce when
// given; national id when want is set) and reads the identity from it and userinfo.
func (c *Client) verifyIdentity(ctx context.Context, ts *tokenSet, nonce, want, method string) (Identity, error) {
	var id Identity
	if ts.AccessToken == "" || ts.RefreshToken == "" || ts.IDToken == "" {
		return id, fmt.Errorf("%w: incomplete token set", ErrIdentity)
	}
	_, v, err := c.config(ctx)
	if err != nil {
		return id, err
	}
	idt, err := v.Verify(ctx, ts.IDToken)
	if err != nil {
		return id, fmt.Errorf("%w: ID token: %v", ErrIdentity, err)
	}
	if nonce != "" && idt.Nonce != nonce {
		return id, fmt.Errorf("%w: ID token nonce does not match", ErrIdentity)
	}
	var ic idClaims
	if err := idt.Claims(&ic); err != nil {
		return id, fmt.Errorf("%w: ID token claims: %v", ErrIdentity, err)
	}
	nid := ic.PreferredUsername
	if nid == "" {
		nid = ic.SubjectNameID
	}
	if nid == "" || (want != "" && nid != want) {
		return id, fmt.Errorf("%w: the ID token is for %q, not %q", ErrIdentity, nid, want)
	}
	id = Identity{NationalID: nid, Subject: idt.Subject, GivenName: ic.GivenName, FamilyName: ic.FamilyName, Method: method}
	if len(ts.Userinfo) == 0 {
		return id, nil
	}
	var ui userinfo
	if err := json.Unmarshal(ts.Userinfo, &ui); err != nil {
		return id, fmt.Errorf("%w: userinfo: %v", ErrIdentity, err)
	}
	// OIDC Core §5.3.2: userinfo's sub must be the ID token's.
	if ui.Sub != idt.Subject || (ui.PreferredUsername != "" && ui.PreferredUsername != nid) {
		return id, fmt.Errorf("%w: userinfo is about someone else", ErrIdentity)
	}
	if id.GivenName == "" {
		id.GivenName = ui.GivenName
	}
	if id.FamilyName == "" {
		id.FamilyName = ui.FamilyName
	}
	id.Civility = ui.Civility
	for _, ex := range ui.SubjectRefPro.Exercices {
		if id.ProfessionCode == "" {
			id.ProfessionCode = ex.ProfessionCode
		}
		for _, a := range ex.Activities {
			id.Situations = append(id.Situations, Situation{ProfessionCode: ex.ProfessionCode,
				StructureName: strings.TrimSpace(a.Name), StructureID: a.StructureID, FINESS: a.FINESS,
				Sector: a.Sector, Mode: a.Mode, PostalCode: a.PostalCode})
		}
	}
	return id, nil
}
