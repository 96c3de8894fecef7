package annuaire

import (
	"encoding/binary"
	"errors"
	"strings"
)

// Result is one entry of the directory: a professional (PER mailboxes grouped by national
// identifier) or a structure (an ORG mailbox). Every mailbox of the professional is listed,
// with the structure and postal address it is attached to: they can differ.
type Result struct {
	NationalID     string // Identification nationale PP: "8"+RPPS or "0"+ADELI; empty for a structure
	IDType         string // Type Identifiant PP: "8" RPPS, "0" ADELI
	Identifier     string // Identifiant PP (RPPS or ADELI number)
	Civility       string // Civilité d'exercice (e.g. "DR")
	Surname        string
	GivenName      string
	Profession     string // Libellé profession (e.g. "Médecin")
	ProfessionCode string // Code profession (TRE_G15, e.g. "10")
	Specialty      string // Libellé savoir-faire (e.g. "Médecine générale")
	SpecialtyCode  string
	Mailboxes      []Mailbox
	// Score orders the results: higher is better. Matched is the number of query terms found.
	Score, Matched int
	// Online is true when the entry (or some of its mailboxes) came from the FHIR API.
	Online bool
}

// Mailbox is one MSSanté address (BAL) and where it is attached.
type Mailbox struct {
	Address          string
	Kind             string // Type de BAL: PER, ORG (APP, CAB from the FHIR API)
	StructureIDType  string // TRE_G07: 0 cabinet ADELI, 1 FINESS, 2 SIREN, 3 SIRET, 4 cabinet RPPS, 5 FINESS EJ
	StructureID      string
	Structure        string // Raison sociale
	Enseigne         string // Enseigne commerciale
	Service          string // Service de rattachement
	Lines            []string
	PostalCode, Town string
	Department       string
	Country          string
	Dematerialised   bool // accepts dematerialised documents ("O")
	RedList          bool // "liste rouge" (FHIR only): not to be shown to patients
}

// IsStructure reports whether the entry is a structure rather than a person.
func (r Result) IsStructure() bool { return r.Surname == "" && r.GivenName == "" }

// DisplayName is the name shown in lists: "Dr Jean DUPONT" or the structure's name.
func (r Result) DisplayName() string {
	if r.IsStructure() {
		for _, m := range r.Mailboxes {
			if m.Structure != "" {
				return m.Structure
			}
			if m.Enseigne != "" {
				return m.Enseigne
			}
		}
		if len(r.Mailboxes) > 0 {
			return r.Mailboxes[0].Address
		}
		return ""
	}
	parts := make([]string, 0, 3)
	switch strings.ToUpper(r.Civility) {
	case "DR":
		parts = append(parts, "Dr")
	case "PR":
		parts = append(parts, "Pr")
	}
	if r.GivenName != "" {
		parts = append(parts, r.GivenName)
	}
	if r.Surname != "" {
		parts = append(parts, strings.ToUpper(r.Surname))
	}
	return strings.Join(parts, " ")
}

// Town is the town of the first mailbox (the one listed first for the professional).
func (r Result) Town() string {
	for _, m := range r.Mailboxes {
		if m.Town != "" {
			return m.Town
		}
	}
	return ""
}

// PostalCode is the postal code of the first mailbox that has one.
func (r Result) PostalCode() string {
	for _, m := range r.Mailboxes {
		if m.PostalCode != "" {
			return m.PostalCode
		}
	}
	return ""
}

// Kinds lists the distinct mailbox types of the entry ("PER", "ORG").
func (r Result) Kinds() []string {
	var out []string
	for _, m := range r.Mailboxes {
		if m.Kind != "" && !contains(out, m.Kind) {
			out = append(out, m.Kind)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// personCols are stored once per professional (taken from their first row), mailboxCols once
// per mailbox. Columns in interned are stored as an index into the dictionary: they have few
// distinct values and would otherwise repeat a million times.
var (
	personCols = []int{colPPIDType, colPPID, colNationalID, colCivility, colSurname, colGivenName,
		colCategory, colCategoryLabel, colProfession, colProfessionLabel, colSpecialty, colSpecialtyLabel}
	mailboxCols = []int{colKind, colAddress, colStructIDType, colStructID, colService, colDemat,
		colRaisonSociale, colEnseigne, colL2, colL3, colL4Number, colL4Repeat, colL4Type,
		colL4Street, colL5, colL6, colPostalCode, colDepartment, colCountry}
	interned = func() (m [numColumns]bool) {
		for _, c := range []int{colPPIDType, colCivility, colCategory, colCategoryLabel,
			colProfession, colProfessionLabel, colSpecialty, colSpecialtyLabel, colKind,
			colStructIDType, colDemat, colL4Type, colDepartment, colCountry} {
			m[c] = true
		}
		return m
	}()
)

// row is one line of the extraction, split into its columns.
type row [numColumns]string

// entry is a decoded directory record: the person columns and one row per mailbox.
type entry struct {
	person row
	boxes  []row
}

var errCorruptRecord = errors.New("annuaire: corrupt record")

// dict interns low-cardinality column values.
type dict struct {
	index  map[string]uint32
	values []string
}

func newDict() *dict { return &dict{index: map[string]uint32{"": 0}, values: []string{""}} }

func (d *dict) id(s string) uint32 {
	if i, ok := d.index[s]; ok {
		return i
	}
	i := uint32(len(d.values))
	s = strings.Clone(s)
	d.index[s] = i
	d.values = append(d.values, s)
	return i
}

func (d *dict) marshal() []byte {
	var b []byte
	for _, v := range d.values {
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	return b
}

func unmarshalDict(b []byte) ([]string, error) {
	var out []string
	for len(b) > 0 {
		s, rest, err := readString(b)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
		b = rest
	}
	return out, nil
}

// encodeEntry appends the record of a professional made of rows (first row gives the person).
func encodeEntry(b []byte, d *dict, rows []row) []byte {
	b = encodeCols(b, d, &rows[0], personCols)
	b = binary.AppendUvarint(b, uint64(len(rows)))
	for i := range rows {
		b = encodeCols(b, d, &rows[i], mailboxCols)
	}
	return b
}

func encodeCols(b []byte, d *dict, r *row, cols []int) []byte {
	for _, c := range cols {
		if interned[c] {
			b = binary.AppendUvarint(b, uint64(d.id(r[c])))
			continue
		}
		b = binary.AppendUvarint(b, uint64(len(r[c])))
		b = append(b, r[c]...)
	}
	return b
}

// decodeEntry reverses encodeEntry; it never panics on damaged data.
func decodeEntry(b []byte, values []string) (*entry, error) {
	e := &entry{}
	var err error
	if b, err = decodeCols(b, values, &e.person, personCols); err != nil {
		return nil, err
	}
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil, errCorruptRecord
	}
	b = b[k:]
	e.boxes = make([]row, n)
	for i := range e.boxes {
		if b, err = decodeCols(b, values, &e.boxes[i], mailboxCols); err != nil {
			return nil, err
		}
	}
	return e, nil
}

func decodeCols(b []byte, values []string, r *row, cols []int) ([]byte, error) {
	for _, c := range cols {
		if interned[c] {
			v, k := binary.Uvarint(b)
			if k <= 0 || v >= uint64(len(values)) {
				return nil, errCorruptRecord
			}
			r[c] = values[v]
			b = b[k:]
			continue
		}
		s, rest, err := readString(b)
		if err != nil {
			return nil, err
		}
		r[c] = s
		b = rest
	}
	return b, nil
}

func readString(b []byte) (string, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return "", nil, errCorruptRecord
	}
	return string(b[k : k+int(n)]), b[k+int(n):], nil
}

// result turns a decoded record into what callers see.
func (e *entry) result() Result {
	p := &e.person
	r := Result{
		NationalID: p[colNationalID], IDType: p[colPPIDType], Identifier: p[colPPID],
		Civility: p[colCivility], Surname: p[colSurname], GivenName: p[colGivenName],
		Profession: p[colProfessionLabel], ProfessionCode: p[colProfession],
		Specialty: p[colSpecialtyLabel], SpecialtyCode: p[colSpecialty],
	}
	for i := range e.boxes {
		r.Mailboxes = append(r.Mailboxes, e.boxes[i].mailbox())
	}
	return r
}

func (b *row) mailbox() Mailbox {
	m := Mailbox{
		Address: b[colAddress], Kind: b[colKind], StructureIDType: b[colStructIDType],
		StructureID: b[colStructID], Structure: b[colRaisonSociale], Enseigne: b[colEnseigne],
		Service: b[colService], PostalCode: b[colPostalCode], Department: b[colDepartment],
		Country: b[colCountry], Dematerialised: strings.EqualFold(b[colDemat], "O"),
	}
	street := strings.Join(nonEmpty(b[colL4Number], b[colL4Repeat], b[colL4Type], b[colL4Street]), " ")
	m.Lines = nonEmpty(b[colL2], b[colL3], street, b[colL5], b[colL6])
	m.Town = townOf(b[colL6], b[colPostalCode])
	return m
}

// townOf extracts the town from the "ligne d'acheminement" ("69003 LYON CEDEX 03" → "LYON").
func townOf(l6, postal string) string {
	t := strings.TrimSpace(l6)
	if postal != "" {
		t = strings.TrimSpace(strings.TrimPrefix(t, postal))
	}
	if i := strings.IndexByte(t, ' '); i == 5 && isDigits(t[:5]) {
		t = strings.TrimSpace(t[5:])
	}
	if i := strings.Index(strings.ToUpper(t), " CEDEX"); i > 0 {
		t = t[:i]
	}
	return t
}

func nonEmpty(vals ...string) []string {
	out := vals[:0:0]
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
