// Package gen writes realistic, synthetic Extraction_Correspondance_MSSante files (French
// names, professions with their codes, towns with postal codes) and query mixes, for the
// tests and benchmarks of package annuaire. The data is fictitious.
package gen

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
)

// Header is the header row of the extraction, as published.
const Header = "Type de BAL|Adresse BAL|Type Identifiant PP|Identifiant PP|Identification nationale PP|" +
	"Type identifiant structure|Identification Structure|Service de rattachement|Civilité d'exercice|" +
	"Nom d'exercice|Prénom d'exercice|Catégorie profession|Libellé catégorie profession|Code Profession|" +
	"Libellé Profession|Code savoir-faire|Libellé savoir-faire|Dématérialisation|" +
	"Raison Sociale structure BAL|Enseigne commerciale structure BAL|" +
	"L2COMPLEMENTLOCALISATION structure BAL|L3COMPLEMENTDISTRIBUTION structure BAL|" +
	"L4NUMEROVOIE structure BAL|L4COMPLEMENTNUMEROVOIE structure BAL|NL4TYPEVOIE structure BAL|" +
	"L4LIBELLEVOIE structure BAL|L5LIEUDITMENTION structure BAL|L6LIGNEACHEMINEMENT structure BAL|" +
	"Code postal structure BAL|Département structure BAL|Pays structure BAL"

// Surnames are frequent French surnames, most frequent first.
var Surnames = strings.Fields(`MARTIN BERNARD THOMAS PETIT ROBERT RICHARD DURAND DUBOIS MOREAU LAURENT
SIMON MICHEL LEFEBVRE LEROY ROUX DAVID BERTRAND MOREL FOURNIER GIRARD BONNET DUPONT LAMBERT FONTAINE
ROUSSEAU VINCENT MULLER LEFEVRE FAURE ANDRE MERCIER BLANC GUERIN BOYER GARNIER CHEVALIER FRANCOIS
LEGRAND GAUTHIER GARCIA PERRIN ROBIN CLEMENT MORIN NICOLAS HENRY ROUSSEL MATHIEU GAUTIER MASSON
MARCHAND DUVAL DENIS DUMONT MARIE LEMAIRE NOEL MEYER DUFOUR MEUNIER BRUN BLANCHARD GIRAUD JOLY
RIVIERE LUCAS BRUNET GAILLARD BARBIER ARNAUD MARTINEZ GERARD ROCHE RENARD SCHMITT ROY LEROUX COLIN
VIDAL CARON PICARD ROGER FABRE AUBERT LEMOINE RENAUD DUMAS LACROIX OLIVIER PHILIPPE BOURGEOIS PIERRE
BENOIT REY LECLERC PAYET ROLLAND LECLERCQ GUILLAUME LECOMTE LOPEZ JEAN DUPUY GUILLOT HUBERT BERGER
CARPENTIER SANCHEZ DUPUIS MOULIN LOUIS DESCHAMPS HUET VASSEUR PEREZ BOUCHER FLEURY ROYER KLEIN
JACQUET ADAM PARIS POIRIER MARTY AUBRY GUYOT CARRE CHARLES RENAULT CHARPENTIER MENARD MAILLARD
BARON BERTIN BAILLY HERVE SCHNEIDER FERNANDEZ LE_GALL COLLET LEGER BOUVIER JULIEN PREVOST MILLET
PERROT DANIEL LE_ROUX COUSIN GERMAIN BRETON BESSON LANGLOIS REMY LE_GOFF PELLETIER LEVEQUE PERRIER
LEBLANC BARRE LEBRUN MARCHAL WEBER MALLET HAMON BOULANGER JACOB MONNIER MICHAUD RODRIGUEZ GUICHARD
GILLET ETIENNE GRONDIN POULAIN TESSIER CHEVALLIER COLLIN CHAUVIN DA_SILVA BOUCHET GAY LEMAITRE
BENARD MARECHAL HUMBERT REYNAUD ANTOINE HOARAU PERRET BARTHELEMY CORDIER PICHON LEJEUNE GILBERT
LAMY DELAUNAY PASQUIER CARLIER LAPORTE DUPONTEL DUPRE DURIEUX DELACROIX DESMARETS`)

// GivenNames are common French given names.
var GivenNames = strings.Fields(`Jean Marie Michel Philippe Alain Nicolas Pierre Christophe Patrick
Isabelle Sophie Nathalie Catherine Sylvie Christine Stéphane Laurent Frédéric Sébastien Julien
Thomas David Olivier Éric Céline Sandrine Valérie Anne Véronique Camille Élodie Aurélie Émilie Julie
Claire Hélène Chloé Léa Manon Inès Lucas Hugo Louis Gabriel Arthur Jules Raphaël Mathilde Agnès
Françoise Jacques Bernard Daniel Hervé Thierry Didier Pascal Gilles Benoît Jérôme Cédric François
Marie-Claire Jean-Pierre Jean-Luc Anne-Sophie Marc Paul Antoine Guillaume Vincent Romain Maxime
Caroline Audrey Laetitia Virginie Delphine Karine Florence Brigitte Martine Monique Josiane Yves
André René Noël Joëlle Gaëlle Maëlle Loïc Gaël Anaïs Zoé Jeanne Jeannine Jean`)

// Profession is a profession with its TRE_G15 code and its savoir-faire (specialties).
type Profession struct {
	Code, Label string
	Weight      int
	Specialties [][2]string
	Domain      string
}

// Professions are the professions of the directory, with realistic proportions.
var Professions = []Profession{
	{"10", "Médecin", 30, [][2]string{{"SM54", "Médecine générale"}, {"SM26", "Qualifié en Médecine Générale"},
		{"SM04", "Cardiologie et maladies vasculaires"}, {"SM15", "Dermatologie et vénéréologie"},
		{"SM40", "Pédiatrie"}, {"SM30", "Gynécologie-obstétrique"}, {"SM42", "Psychiatrie"},
		{"SM38", "Ophtalmologie"}, {"SM53", "Radio-diagnostic"}, {"SM02", "Anesthésie-réanimation"}}, "medecin.mssante.fr"},
	{"60", "Infirmier", 28, nil, "infirmier.mssante.fr"},
	{"21", "Pharmacien", 12, [][2]string{{"", ""}, {"SP01", "Pharmacie d'officine"}}, "pharmacien.mssante.fr"},
	{"70", "Masseur-Kinésithérapeute", 10, nil, "kine.mssante.fr"},
	{"40", "Chirurgien-Dentiste", 6, [][2]string{{"", ""}, {"SCD01", "Orthopédie dento-faciale"}}, "dentiste.mssante.fr"},
	{"50", "Sage-Femme", 4, nil, "sagefemme.mssante.fr"},
	{"80", "Pédicure-Podologue", 3, nil, "podologue.mssante.fr"},
	{"91", "Orthophoniste", 3, nil, "orthophoniste.mssante.fr"},
	{"28", "Opticien-Lunetier", 2, nil, "opticien.mssante.fr"},
	{"26", "Audioprothésiste", 1, nil, "audio.mssante.fr"},
	{"94", "Ergothérapeute", 1, nil, "ergo.mssante.fr"},
}

// Town is a town with its postal code and department.
type Town struct {
	Name, Postal, Dept string
	Weight             int
}

// Towns are French towns, weighted roughly by population; Paris has its arrondissements.
var Towns = func() []Town {
	t := []Town{
		{"MARSEILLE", "13001", "13", 40}, {"LYON", "69003", "69", 30}, {"TOULOUSE", "31000", "31", 25},
		{"NICE", "06000", "06", 18}, {"NANTES", "44000", "44", 16}, {"MONTPELLIER", "34000", "34", 16},
		{"STRASBOURG", "67000", "67", 15}, {"BORDEAUX", "33000", "33", 15}, {"LILLE", "59000", "59", 14},
		{"RENNES", "35000", "35", 12}, {"REIMS", "51100", "51", 10}, {"TOULON", "83000", "83", 9},
		{"SAINT-ÉTIENNE", "42000", "42", 9}, {"LE HAVRE", "76600", "76", 9}, {"GRENOBLE", "38000", "38", 8},
		{"DIJON", "21000", "21", 8}, {"ANGERS", "49000", "49", 8}, {"NÎMES", "30000", "30", 8},
		{"VILLEURBANNE", "69100", "69", 7}, {"CLERMONT-FERRAND", "63000", "63", 7}, {"LE MANS", "72000", "72", 7},
		{"AIX-EN-PROVENCE", "13100", "13", 7}, {"BREST", "29200", "29", 7}, {"TOURS", "37000", "37", 7},
		{"AMIENS", "80000", "80", 7}, {"LIMOGES", "87000", "87", 6}, {"ANNECY", "74000", "74", 6},
		{"PERPIGNAN", "66000", "66", 6}, {"BOULOGNE-BILLANCOURT", "92100", "92", 6}, {"METZ", "57000", "57", 6},
		{"BESANÇON", "25000", "25", 6}, {"ORLÉANS", "45000", "45", 6}, {"ROUEN", "76000", "76", 6},
		{"MULHOUSE", "68100", "68", 6}, {"CAEN", "14000", "14", 5}, {"NANCY", "54000", "54", 5},
		{"SAINT-DENIS", "97400", "974", 6}, {"ARGENTEUIL", "95100", "95", 5}, {"MONTREUIL", "93100", "93", 5},
		{"ROUBAIX", "59100", "59", 4}, {"TOURCOING", "59200", "59", 4}, {"AVIGNON", "84000", "84", 4},
		{"POITIERS", "86000", "86", 4}, {"PAU", "64000", "64", 4}, {"LA ROCHELLE", "17000", "17", 4},
		{"AJACCIO", "20000", "2A", 3}, {"BASTIA", "20200", "2B", 3}, {"COLMAR", "68000", "68", 3},
		{"QUIMPER", "29000", "29", 3}, {"VANNES", "56000", "56", 3}, {"CHAMBÉRY", "73000", "73", 3},
		{"BAYONNE", "64100", "64", 3}, {"VALENCE", "26000", "26", 3}, {"TROYES", "10000", "10", 3},
		{"LORIENT", "56100", "56", 3}, {"NIORT", "79000", "79", 3}, {"BÉZIERS", "34500", "34", 3},
	}
	for i := 1; i <= 20; i++ {
		t = append(t, Town{"PARIS", fmt.Sprintf("750%02d", i), "75", 6})
	}
	// Villages: the long tail of small towns.
	a := strings.Fields("SAINT- LA- LE- VILLE BOURG MONT FONT CHÂTEAU BEAU ROCHE")
	b := strings.Fields("MARTIN GERMAIN BRIEUC PRIEST JULIEN AUBIN LAURENT VALLON NEUVE FORT CLAIR VERT")
	c := strings.Fields("SUR-LOIRE EN-BRESSE LES-BAINS SUR-MER D'AZERGUES LE-CHÂTEL DES-PRÉS")
	for i := range 600 {
		name := a[i%len(a)] + b[(i/len(a))%len(b)]
		if i%3 == 0 {
			name += "-" + c[i%len(c)]
		}
		dept := fmt.Sprintf("%02d", 1+i%95)
		if dept == "20" {
			dept = "2A"
		}
		postal := fmt.Sprintf("%s%03d", strings.Replace(strings.Replace(dept, "2A", "20", 1), "2B", "20", 1), 100+i%900)
		t = append(t, Town{strings.ReplaceAll(name, "- ", "-"), postal, dept, 1})
	}
	return t
}()

var streets = strings.Fields(`DE_LA_RÉPUBLIQUE VICTOR_HUGO JEAN_JAURÈS DU_GÉNÉRAL_DE_GAULLE PASTEUR
DE_LA_GARE GAMBETTA DES_ÉCOLES DU_MARÉCHAL_FOCH NATIONALE DE_LA_PAIX DU_MOULIN CARNOT DE_L'ÉGLISE
JULES_FERRY DE_LA_LIBERTÉ ÉMILE_ZOLA ALSACE-LORRAINE DES_LILAS DU_PORT DES_TILLEULS CLEMENCEAU
SADI_CARNOT ANATOLE_FRANCE LOUIS_PASTEUR DU_8_MAI_1945 DES_FLEURS DU_STADE DE_VERDUN JEAN_MOULIN`)
var streetTypes = strings.Fields("R AV BD PL CHE ALL IMP QUAI")

// Generator produces rows; the same seed gives the same file.
type Generator struct {
	rng        *rand.Rand
	profWeight []int
	townWeight []int
	seq        int
}

// New returns a generator seeded with seed.
func New(seed uint64) *Generator {
	g := &Generator{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	for _, p := range Professions {
		g.profWeight = append(g.profWeight, p.Weight)
	}
	for _, t := range Towns {
		g.townWeight = append(g.townWeight, t.Weight)
	}
	return g
}

func pick(r *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

// Surname draws a surname: frequent ones often (Zipf-like), and a long tail of rarer ones.
func (g *Generator) Surname() string {
	r := g.rng
	if r.IntN(100) < 55 {
		// Zipf-like over the list.
		i := int(float64(len(Surnames)) * r.Float64() * r.Float64())
		return strings.ReplaceAll(Surnames[i], "_", " ")
	}
	syl := []string{"BER", "NAR", "DU", "MON", "LA", "CHA", "RI", "VIL", "LE", "GRAND", "FOU", "QUET",
		"TIN", "ROU", "GE", "MAR", "CHAL", "BOU", "DET", "PI", "CARD", "SAL", "VAN", "NOT", "HER", "VÉ"}
	n := 2 + r.IntN(2)
	var b strings.Builder
	for range n {
		b.WriteString(syl[r.IntN(len(syl))])
	}
	return b.String()
}

// GivenName draws a given name.
func (g *Generator) GivenName() string {
	i := int(float64(len(GivenNames)) * g.rng.Float64() * g.rng.Float64())
	return GivenNames[i]
}

// Town draws a town.
func (g *Generator) Town() Town { return Towns[pick(g.rng, g.townWeight)] }

func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case strings.ContainsRune("éèêë", r):
			b.WriteByte('e')
		case strings.ContainsRune("àâä", r):
			b.WriteByte('a')
		case strings.ContainsRune("îï", r):
			b.WriteByte('i')
		case strings.ContainsRune("ôö", r):
			b.WriteByte('o')
		case strings.ContainsRune("ùûü", r):
			b.WriteByte('u')
		case r == 'ç':
			b.WriteByte('c')
		case r == ' ' || r == '-' || r == '\'':
			b.WriteByte('-')
		}
	}
	return b.String()
}

// address fills the structure address columns (20..30, 0-based) of row.
func (g *Generator) address(f []string, t Town) {
	r := g.rng
	if r.IntN(10) == 0 {
		f[20] = "BATIMENT " + string(rune('A'+r.IntN(4)))
	}
	if r.IntN(20) == 0 {
		f[21] = fmt.Sprintf("BP %d", 10+r.IntN(900))
	}
	f[22] = fmt.Sprint(1 + r.IntN(150))
	if r.IntN(15) == 0 {
		f[23] = "B"
	}
	f[24] = streetTypes[r.IntN(len(streetTypes))]
	f[25] = strings.ReplaceAll(streets[r.IntN(len(streets))], "_", " ")
	f[27] = t.Postal + " " + t.Name
	f[28] = t.Postal
	f[29] = t.Dept
	f[30] = "99000"
	if r.IntN(40) == 0 {
		f[27] += " CEDEX"
	}
}

// Write writes the header and n rows to w; lineEnd is "\n" or "\r\n".
func (g *Generator) Write(w io.Writer, n int, lineEnd string) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString(Header + lineEnd)
	f := make([]string, 31)
	for written := 0; written < n; {
		rows := g.Entry(f, n-written)
		for _, row := range rows {
			bw.WriteString(strings.Join(row, "|"))
			bw.WriteString(lineEnd)
		}
		written += len(rows)
	}
	return bw.Flush()
}

// Entry generates the rows (1 to 3, at most max) of one professional or one structure.
func (g *Generator) Entry(_ []string, max int) [][]string {
	r := g.rng
	g.seq++
	if r.IntN(10) == 0 {
		return [][]string{g.orgRow()}
	}
	p := Professions[pick(r, g.profWeight)]
	surname, given := g.Surname(), g.GivenName()
	base := make([]string, 31)
	base[0] = "PER"
	rpps := fmt.Sprintf("1%010d", 1000000+g.seq)
	base[2], base[3], base[4] = "8", rpps, "8"+rpps
	if p.Code == "60" && r.IntN(5) == 0 {
		adeli := fmt.Sprintf("%02d%07d", 1+r.IntN(95), g.seq%10000000)
		base[2], base[3], base[4] = "0", adeli, "0"+adeli
	}
	if p.Code == "10" || p.Code == "21" || p.Code == "40" {
		base[8] = "DR"
	}
	base[9], base[10] = surname, given
	base[11], base[12] = "C", "Civil"
	base[13], base[14] = p.Code, p.Label
	if len(p.Specialties) > 0 {
		s := p.Specialties[r.IntN(len(p.Specialties))]
		base[15], base[16] = s[0], s[1]
	}
	n := 1
	switch k := r.IntN(100); {
	case k < 3:
		n = 3
	case k < 15:
		n = 2
	}
	n = min(n, max)
	local := slug(given) + "." + slug(surname)
	out := make([][]string, 0, n)
	for i := range n {
		f := slices31(base)
		t := g.Town()
		f[17] = "O"
		if r.IntN(4) == 0 {
			f[17] = "N"
		}
		switch {
		case p.Code == "21":
			f[5], f[6] = "1", fmt.Sprintf("%02d%07d", 1+r.IntN(95), r.IntN(10000000))
			f[18] = "PHARMACIE " + []string{"DU CENTRE", "DE LA GARE", "DES ARCADES", surname, "DU MARCHÉ", "CENTRALE"}[r.IntN(6)]
		case r.IntN(4) == 0:
			f[5], f[6] = "1", fmt.Sprintf("%02d%07d", 1+r.IntN(95), r.IntN(10000000))
			f[18] = "CENTRE HOSPITALIER DE " + t.Name
			f[7] = []string{"Service de cardiologie", "Urgences", "Pédiatrie", "Médecine interne", ""}[r.IntN(5)]
		default:
			f[5], f[6] = "3", fmt.Sprintf("%014d", r.Int64N(1e14))
			f[18] = "CABINET " + strings.ToUpper(surname)
		}
		g.address(f, t)
		domain := p.Domain
		if i > 0 || r.IntN(3) == 0 {
			domain = []string{"ch-" + slug(t.Name) + ".mssante.fr", "pro.mssante.fr", "apicrypt.mssante.fr"}[r.IntN(3)]
		}
		// Addresses are unique in the directory: a number tells namesakes apart.
		suffix := fmt.Sprint(g.seq)
		if i > 0 {
			suffix += fmt.Sprint(i)
		}
		f[1] = local + suffix + "@" + domain
		out = append(out, f)
	}
	return out
}

func slices31(base []string) []string {
	f := make([]string, 31)
	copy(f, base)
	return f
}

func (g *Generator) orgRow() []string {
	r := g.rng
	f := make([]string, 31)
	t := g.Town()
	f[0] = "ORG"
	f[5], f[6] = "1", fmt.Sprintf("%02d%07d", 1+r.IntN(95), r.IntN(10000000))
	kind := r.IntN(3)
	switch kind {
	case 0:
		name := []string{"DU CENTRE", "DE LA GARE", "DES HALLES", "DE LA MAIRIE", "DU PORT", "DU MARCHÉ"}[r.IntN(6)]
		f[18] = "PHARMACIE " + name
		f[1] = fmt.Sprintf("pharmacie-%s-%s-%s-%d@pharmacie.mssante.fr", slug(name), t.Postal, slug(t.Name), g.seq)
	case 1:
		f[18] = "CENTRE HOSPITALIER DE " + t.Name
		f[7] = []string{"Secrétariat de cardiologie", "Urgences", "Maternité", "Bureau des entrées"}[r.IntN(4)]
		f[1] = fmt.Sprintf("secretariat.%s%d@ch-%s.mssante.fr", slug(f[7]), g.seq, slug(t.Name))
	default:
		f[18] = "LABORATOIRE " + []string{"BIOMED", "CERBALLIANCE", "BIOGROUP", "SYNLAB"}[r.IntN(4)]
		f[19] = "LABO " + t.Name
		f[1] = fmt.Sprintf("resultats.%d@labo.mssante.fr", g.seq)
	}
	f[17] = "O"
	g.address(f, t)
	return f
}

// Queries returns a mix of n search queries like those typed at the counter: prefixes of
// 1–4 letters, full names in either order, towns and postal codes, identifiers, and
// profession + town. rows is the size of the generated file (to draw existing identifiers).
func Queries(n, rows int, seed uint64) []string {
	g := New(seed)
	r := g.rng
	out := make([]string, 0, n)
	for len(out) < n {
		switch k := r.IntN(100); {
		case k < 30: // prefix of a surname or given name
			s := g.Surname()
			if r.IntN(3) == 0 {
				s = g.GivenName()
			}
			l := 1 + r.IntN(4)
			rs := []rune(strings.ToLower(s))
			out = append(out, string(rs[:min(l, len(rs))]))
		case k < 55: // full name, either order
			s, gv := g.Surname(), g.GivenName()
			if r.IntN(2) == 0 {
				out = append(out, gv+" "+s)
			} else {
				out = append(out, strings.ToLower(s)+" "+strings.ToLower(gv))
			}
		case k < 70: // town or postal code
			t := g.Town()
			if r.IntN(3) == 0 {
				out = append(out, t.Postal)
			} else {
				out = append(out, strings.ToLower(t.Name))
			}
		case k < 85: // identifier: RPPS or national id
			seq := 1 + r.IntN(max(rows*9/10, 1))
			rpps := fmt.Sprintf("1%010d", 1000000+seq)
			if r.IntN(2) == 0 {
				rpps = "8" + rpps
			}
			out = append(out, rpps)
		default: // profession (and town), or a structure
			p := Professions[r.IntN(len(Professions))]
			switch r.IntN(3) {
			case 0:
				out = append(out, strings.ToLower(p.Label)+" "+strings.ToLower(g.Town().Name))
			case 1:
				out = append(out, "pharmacie "+strings.ToLower(g.Town().Name))
			default:
				out = append(out, strings.ToLower(g.Surname())+" "+strings.ToLower(g.Town().Name))
			}
		}
	}
	return out
}
