package cpstest

// Fixture is one test card: its holder, its token and its PIN. Every name and number is
// fictitious; the RPPS numbers use the 997… range of ANS test cards and carry a valid
// Luhn key, as does the FINESS.
type Fixture struct {
	Person
	Label  string // token label, as the reader shows it
	Serial string // token serial number (16 characters at most)
	PIN    string
	NoPSS  bool // the token offers no RSA-PSS mechanism (CPS3)

	renewal int // 0: the holder's first card; n: its n-th renewal (new keys), see Renewal
}

// Pharmacie is the pharmacy where the titulaire, the préparateur and the CPS3 pharmacist
// work (FINESS, structure id type 1).
var Pharmacie = Situation{
	StructureName:   "PHARMACIE DES TILLEULS",
	StructureIDType: 1,
	StructureID:     "690999123",
	Sector:          "SA33",
	PostalCode:      "69003",
	Town:            "LYON",
}

// The test cards. Their PIN is "1234".
var (
	// Titulaire is the pharmacy's owner: RPPS, one situation (the pharmacy), a CPS4
	// (RSA-PSS available), current subject layout.
	Titulaire = Fixture{
		Person: Person{
			NationalID: "899700412358",
			Surname:    "BONNEFOY",
			GivenName:  "Élise",
			Profession: "Pharmacien",
			Specialty:  "SA33",
			Situations: []Situation{Pharmacie},
		},
		Label:  "CPS ELISE BONNEFOY",
		Serial: "CPS0000000000001",
		PIN:    "1234",
	}

	// Preparateur is an assistant with an ADELI-style id ('0' + 9 digits) at the same
	// pharmacy.
	Preparateur = Fixture{
		Person: Person{
			NationalID: "0699901237",
			Surname:    "LEBRETON",
			GivenName:  "Maxime",
			Profession: "Préparateur en pharmacie",
			Specialty:  "SA33",
			Situations: []Situation{Pharmacie},
		},
		Label:  "CPS MAXIME LEBRETON",
		Serial: "CPS0000000000002",
		PIN:    "1234",
	}

	// Medecin is a general practitioner with two situations: a private practice and a
	// hospital.
	Medecin = Fixture{
		Person: Person{
			NationalID: "899700524681",
			Surname:    "FAUVEL",
			GivenName:  "Antoine",
			Profession: "Médecin",
			Specialty:  "SM54",
			Situations: []Situation{
				{
					StructureName:   "CABINET DU DR FAUVEL",
					StructureIDType: 4,
					StructureID:     "899700524681",
					Sector:          "SA07",
					PostalCode:      "69006",
					Town:            "LYON",
				},
				{
					StructureName:   "CENTRE HOSPITALIER DES CEDRES",
					StructureIDType: 1,
					StructureID:     "690999131",
					Sector:          "SA01",
					PostalCode:      "69004",
					Town:            "LYON",
				},
			},
		},
		Label:  "CPS ANTOINE FAUVEL",
		Serial: "CPS0000000000003",
		PIN:    "1234",
	}

	// PharmacienCPS3 is an assistant pharmacist at the same pharmacy whose older card
	// (CPS3) signs with PKCS#1 v1.5 only, and whose certificate uses the
	// CN=<national id>/<GIVEN SURNAME> layout.
	PharmacienCPS3 = Fixture{
		Person: Person{
			NationalID: "899700635719",
			Surname:    "GARNIER",
			GivenName:  "Sophie",
			Profession: "Pharmacien",
			Specialty:  "SA33",
			Layout:     LayoutSlashCN,
			Situations: []Situation{Pharmacie},
		},
		Label:  "CPS SOPHIE GARNIER",
		Serial: "CPS0000000000004",
		PIN:    "1234",
		NoPSS:  true,
	}
)

// Fixtures returns every test card, in a stable order.
func Fixtures() []Fixture {
	return []Fixture{Titulaire, Preparateur, Medecin, PharmacienCPS3}
}
