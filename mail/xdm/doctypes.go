package xdm

// DocType is a kind of health document the pharmacy sends, with the codes its CDA and its
// metadata carry.
type DocType struct {
	Label string // French, as the composer lists it
	Type  Code   // LOINC code: the CDA's code, the XDS typeCode and X-MSS-CODECDA
	Class Code   // XDS classCode
}

// Code systems of the document types.
const (
	SchemeLOINC      = "2.16.840.1.113883.6.1"
	SchemeClasse     = "1.2.250.1.213.1.1.4.1" // TRE_A03-ClasseDocument
	SchemeSecteur    = "1.2.250.1.71.4.2.4"    // TRE_R02-SecteurActivite
	SchemePratique   = "1.2.250.1.213.1.1.4.9" // practice setting (AMBULATOIRE, ETABLISSEMENT…)
	SchemeSpecialite = "1.2.250.1.213.1.1.4.5" // author specialty (JDV_J01-XdsAuthorSpecialty-CISIS)
)

// Codes of a document written at a community pharmacy.
var (
	// FacilityPharmacie is the healthcareFacilityTypeCode of a pharmacy: SA33 « Pharmacie
	// d'officine » (TRE_R02-SecteurActivite, the sector a CPS situation carries).
	FacilityPharmacie = Code{Code: "SA33", Scheme: SchemeSecteur, Display: "Pharmacie d'officine"}
	// PracticeAmbulatoire is the practiceSettingCode of care outside a hospital, as the ANS
	// DRIM-M example writes it.
	PracticeAmbulatoire = Code{Code: "AMBULATOIRE", Scheme: SchemePratique, Display: "Ambulatoire"}
	// ProfessionPharmacien is the author's profession (TRE_G15 code 21) as CI-SIS authors
	// carry it (assignedAuthor/code "G15_xx[/specialty]").
	ProfessionPharmacien = Code{Code: "G15_21", Scheme: SchemeSpecialite, Display: "Pharmacien"}
)

// PharmacyDocTypes are the document types a pharmacy sends through MSSanté. The LOINC codes
// and labels are the ANS NOS terminology TRE_A04-Loinc (2.16.840.1.113883.6.1, version
// 20230127120000, https://mos.esante.gouv.fr/NOS/TRE_A04-Loinc, as published in the GitHub
// repository ansforge/IG-fhir-mesures-de-sante, input/fsh/CodeSystems/TRE_A04-Loinc.fsh), in
// its active codes only (29550-1 and 29551-9, end-dated in 2017, are left out). Classes are
// TRE_A03-ClasseDocument; the type-to-class choice follows the ANS DMP examples where they
// show one (87273-9 → 10) and the class labels otherwise.
func PharmacyDocTypes() []DocType {
	loinc := func(code, display string) Code { return Code{Code: code, Scheme: SchemeLOINC, Display: display} }
	class := func(code, display string) Code { return Code{Code: code, Scheme: SchemeClasse, Display: display} }
	return []DocType{
		// "Bilan médicamenteux réalisé dans le cadre d'une conciliation des traitements
		// médicamenteux ou d'un bilan partagé de médication."
		{"Bilan partagé de médication", loinc("56445-0", "Bilan médicamenteux (Officine)"), class("11", "Synthèse")},
		{"Compte rendu d'entretien pharmaceutique", loinc("78601-2", "CR d'entretien pharmaceutique"), class("10", "Compte rendu")},
		{"Compte rendu de vaccination", loinc("87273-9", "Note de vaccination"), class("10", "Compte rendu")},
		{"Ordonnance (scannée)", loinc("57833-6", "Prescription de produits de santé"), class("42", "Prescription")},
		{"Dispensation", loinc("60593-1", "Dispensation médicamenteuse"), class("43", "Dispensation")},
		{"Plan de prise", loinc("77604-7", "Planification thérapeutique"), class("44", "Plan de soins, protocole de soins")},
		{"Intervention pharmaceutique", loinc("61357-0", "Intervention pharmaceutique"), class("10", "Compte rendu")},
	}
}

// DocTypeByCode returns the pharmacy document type of a LOINC code.
func DocTypeByCode(code string) (DocType, bool) {
	for _, t := range PharmacyDocTypes() {
		if t.Type.Code == code {
			return t, true
		}
	}
	return DocType{}, false
}
