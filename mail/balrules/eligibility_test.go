package balrules

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckORG(t *testing.T) {
	pharmacy := Situation{StructureName: "PHARMACIE DES TILLEULS", FINESS: "690999123", Sector: "SA33"}
	if err := CheckORG("Pharmacien", pharmacy); err != nil {
		t.Errorf("a pharmacist in a pharmacy: %v", err)
	}
	if err := CheckORG("Préparateur en pharmacie", pharmacy); !errors.Is(err, ErrNotPharmacist) {
		t.Errorf("a préparateur: %v", err)
	}
	if err := CheckORG("Pharmacien", Situation{StructureName: "PHARMACIE SANS FINESS", Sector: "SA33"}); !errors.Is(err, ErrNoPharmacy) {
		t.Errorf("no FINESS: %v", err)
	}
	hospital := Situation{StructureName: "CENTRE HOSPITALIER DES CEDRES", FINESS: "690999131", Sector: "SA01"}
	if err := CheckORG("Pharmacien", hospital); !errors.Is(err, ErrNoPharmacy) {
		t.Errorf("a hospital: %v", err)
	}
	if !IsPharmacy(Situation{StructureName: "Pharmacie du Marché", FINESS: "750000001"}) {
		t.Errorf("a FINESS structure named Pharmacie… is a pharmacy")
	}
	if msg := UserMessage(CheckORG("Préparateur en pharmacie", pharmacy)); !strings.Contains(msg, "Seul un pharmacien") {
		t.Errorf("French explanation: %q", msg)
	}
}

func TestCheckAPP(t *testing.T) {
	if err := CheckAPP(RoleAdmin); err != nil {
		t.Errorf("admin: %v", err)
	}
	for _, r := range []string{"Gestionnaire", "Utilisateur", ""} {
		if err := CheckAPP(r); !errors.Is(err, ErrNotAdmin) || UserMessage(err) == "" {
			t.Errorf("role %q: %v", r, err)
		}
	}
}

func TestUserMessages(t *testing.T) {
	_, err := LocalPER("", "x")
	if msg := UserMessage(err); !strings.Contains(msg, "prénom et nom") {
		t.Errorf("empty name message %q", msg)
	}
	if UserMessage(errors.New("other")) != "" {
		t.Errorf("foreign errors have no message")
	}
}
