package annuaire

import "strings"

// Column positions of the Extraction_Correspondance_MSSante file (mssante.md §6). The file is
// read by position; the header only confirms that the columns are where we expect them.
const (
	colKind            = iota // Type de BAL (PER, ORG)
	colAddress                // Adresse BAL
	colPPIDType               // Type Identifiant PP (8 RPPS, 0 ADELI)
	colPPID                   // Identifiant PP
	colNationalID             // Identification nationale PP
	colStructIDType           // Type identifiant structure (TRE_G07)
	colStructID               // Identification Structure
	colService                // Service de rattachement
	colCivility               // Civilité d'exercice
	colSurname                // Nom d'exercice
	colGivenName              // Prénom d'exercice
	colCategory               // Catégorie profession
	colCategoryLabel          // Libellé catégorie profession
	colProfession             // Code Profession
	colProfessionLabel        // Libellé Profession
	colSpecialty              // Code savoir-faire
	colSpecialtyLabel         // Libellé savoir-faire
	colDemat                  // Dématérialisation (O/N)
	colRaisonSociale          // Raison sociale structure BAL
	colEnseigne               // Enseigne commerciale structure BAL
	colL2                     // L2 complément localisation
	colL3                     // L3 complément distribution
	colL4Number               // L4 numéro voie
	colL4Repeat               // L4 complément numéro voie
	colL4Type                 // L4 type voie
	colL4Street               // L4 libellé voie
	colL5                     // L5 lieu-dit, mention
	colL6                     // L6 ligne d'acheminement
	colPostalCode             // Code postal
	colDepartment             // Département
	colCountry                // Pays
	numColumns
)

// headerNames are the expected header cells, already normalized; a header cell matches when
// its normalized form starts with the expected one or the expected one starts with it, once
// optional words are removed ("Libellé de catégorie…", "… structure BAL").
var headerNames = [numColumns]string{
	"type de bal", "adresse bal", "type identifiant pp", "identifiant pp",
	"identification nationale pp", "type identifiant structure", "identification structure",
	"service de rattachement", "civilite d exercice", "nom d exercice", "prenom d exercice",
	"categorie profession", "libelle categorie profession", "code profession",
	"libelle profession", "code savoir faire", "libelle savoir faire", "dematerialisation",
	"raison sociale structure bal", "enseigne commerciale structure bal",
	"l2complementlocalisation", "l3complementdistribution", "l4numerovoie",
	"l4complementnumerovoie", "nl4typevoie", "l4libellevoie", "l5lieuditmention",
	"l6ligneacheminement", "code postal", "departement", "pays",
}

// looseHeader reduces a header cell to comparable words: normalized, without the filler
// words that vary between publications, without spaces.
func looseHeader(s string) string {
	var b strings.Builder
	for w := range strings.FieldsSeq(Normalize(s)) {
		switch w {
		case "de", "d", "du", "structure", "bal":
			continue
		}
		b.WriteString(w)
	}
	return b.String()
}

var looseHeaderNames = func() (out [numColumns]string) {
	for i, h := range headerNames {
		out[i] = looseHeader(h)
	}
	return out
}()

// isHeader reports whether the fields look like the header row: the first two cells must
// match, and most of the others too (sources spell some of them differently).
func isHeader(fields []string) bool {
	if len(fields) < 2 {
		return false
	}
	if looseHeader(fields[0]) != looseHeaderNames[0] || looseHeader(fields[1]) != looseHeaderNames[1] {
		return false
	}
	return true
}

// headerMismatches lists the header cells that do not match the expected column, for a
// warning: the file is still read by position.
func headerMismatches(fields []string) []int {
	var bad []int
	for i := 0; i < numColumns && i < len(fields); i++ {
		got, want := looseHeader(fields[i]), looseHeaderNames[i]
		// "NL4TYPEVOIE" is also published as "L4TYPEVOIE".
		got, want = strings.TrimPrefix(got, "nl4"), strings.TrimPrefix(want, "nl4")
		got, want = strings.TrimPrefix(got, "l4"), strings.TrimPrefix(want, "l4")
		if got != want && !strings.HasPrefix(got, want) && !strings.HasPrefix(want, got) {
			bad = append(bad, i+1)
		}
	}
	return bad
}
