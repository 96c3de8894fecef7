package store

import (
	"encoding/base64"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

// A deterministic generator of realistic pharmacy mail: French text, doctors and patients,
// 20 % of messages with a PDF attachment (log-uniform 10–150 KB: e-prescriptions and
// reports; median 39 KB, mean 52 KB, random bytes as a
// compressed PDF stream is), stored as the raw MIME message a server would send.

var (
	benchFirst = strings.Fields(`Marie Jean Pierre Michel Philippe Nathalie Isabelle Sylvie Catherine Françoise
		Hélène Élodie Céline Aurélie Jérôme Stéphane Frédéric François Benoît Gaëlle Noémie Zoé Chloé
		Léa Camille Manon Inès Louise Jules Hugo Lucas Théo Raphaël Maël Anaïs Océane Mathéo Clément`)
	benchLast = strings.Fields(`Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon
		Laurent Lefèvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard André Lefebvre
		Mercier Dupont Lambert Bonnet François Martinez Légaré Chevalier Gauthier Perrin Mathieu Clément
		Gérard Boyer Barbier Arnaud Rolland Brunet Aubert Rivière Hébert Noël Faure Rousseau Blanchard`)
	benchDrugs = strings.Fields(`amoxicilline paracétamol ibuprofène lévothyroxine metformine atorvastatine
		oméprazole ésoméprazole amlodipine ramipril bisoprolol furosémide prednisolone salbutamol
		insuline apixaban rivaroxaban clopidogrel sertraline escitalopram tramadol codéine méthotrexate
		azithromycine doxycycline cétirizine desloratadine allopurinol colchicine lansoprazole
		budésonide formotérol tiotropium alendronate cholécalciférol fer acide-folique`)
	benchWords = strings.Fields(`bonjour madame monsieur docteur confrère patient patiente ordonnance
		renouvellement traitement posologie comprimé gélule sachet flacon boîte matin midi soir
		semaines mois jours pendant prise quotidienne dose adaptée fonction rénale hépatique bilan
		biologique résultats analyse créatinine glycémie hémoglobine tension artérielle allergie
		pénicilline contre-indication interaction médicamenteuse substitution générique délivrance
		disponibilité stock commande livraison demain officine pharmacie pharmacien préparateur
		dossier pharmaceutique vaccination grippe rappel injection pansement soins infirmiers
		hospitalisation sortie compte rendu consultation suivi surveillance douleur fièvre toux
		infection urinaire antibiotique durée arrêt reprise diminution augmentation progressive
		merci pouvez-vous confirmer préparer réserver signaler rappeler cordialement sincèrement
		urgent important changement nouvelle prescription précédente conforme téléphone adresse
		mutuelle carte vitale tiers payant remboursement pilulier semainier observance éducation
		thérapeutique inhalateur technique lecteur capteur bandelettes aiguilles seringues`)
	benchSubjects = []string{"Ordonnance de renouvellement – %s", "Demande de disponibilité : %s",
		"Compte rendu de consultation de %s", "Résultats biologiques %s", "Re: traitement de %s",
		"Préparation du pilulier de %s", "Substitution générique pour %s", "Sortie d'hospitalisation de %s",
		"Vaccination antigrippale – %s", "Question sur la posologie de %s"}
)

// benchLexicon stands for the long tail of a real vocabulary (rare words, product names,
// places): 30 000 pseudo-words made of French syllables, drawn with a skew so that a few
// are common and most are rare.
var benchLexicon = func() []string {
	syl := strings.Fields(`ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo ga ge gi go la le li lo lu
		ma me mi mo mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo
		cha che chi cho tra tre tri tro pla ple pli plo bra bre bri bro gra gre gri gro eau ain on an in é è ou`)
	r := rand.New(rand.NewPCG(42, 42))
	seen := map[string]bool{}
	var out []string
	for len(out) < 30000 {
		var b strings.Builder
		for range 2 + r.IntN(3) {
			b.WriteString(syl[r.IntN(len(syl))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}()

type benchGen struct {
	folderUID map[string]uint32
}

// benchFolders: where messages go (INBOX 75 %, sent 20 %, archive 5 %).
var benchFolders = []string{"INBOX", "Envoyés", "Archives"}

const benchBAL = "pharmacie.tilleuls.69003.lyon@sandbox.mssante.test"

func pick[T any](r *rand.Rand, xs []T) T {
	u := r.Float64()
	return xs[int(u*u*float64(len(xs)))] // skewed: early entries are frequent
}

func benchName(r *rand.Rand) (first, last string) { return pick(r, benchFirst), pick(r, benchLast) }

func benchText(r *rand.Rand, patient, drug string) string {
	var b strings.Builder
	b.WriteString("Bonjour,\n\n")
	n := 300 + r.IntN(2200)
	for b.Len() < n {
		words := 6 + r.IntN(12)
		for i := range words {
			w := pick(r, benchWords)
			switch r.IntN(20) {
			case 0:
				w = drug
			case 1:
				w = patient
			case 2:
				w = fmt.Sprintf("%d mg", 5*(1+r.IntN(200)))
			case 3, 4:
				w = pick(r, benchLexicon)
			}
			if i == 0 {
				w = strings.ToUpper(w[:1]) + w[1:]
			}
			b.WriteString(w)
			if i < words-1 {
				b.WriteByte(' ')
			}
		}
		b.WriteString(". ")
		if r.IntN(5) == 0 {
			b.WriteString("\n\n")
		}
	}
	b.WriteString("\n\nCordialement.")
	return b.String()
}

// message returns message i of the data set and its raw size.
func (g *benchGen) message(i int) Message {
	r := rand.New(rand.NewPCG(uint64(i), 0xC0FFEE))
	folder := benchFolders[0]
	switch x := r.IntN(100); {
	case x >= 95:
		folder = benchFolders[2]
	case x >= 75:
		folder = benchFolders[1]
	}
	g.folderUID[folder]++
	pf, pl := benchName(r)
	df, dl := benchName(r)
	drug := pick(r, benchDrugs)
	patient := pf + " " + pl
	// Mail arrives over time: one message every ~16 minutes (100 000 in three years),
	// give or take two hours, so dates mostly follow UIDs as on a real server.
	date := time.Date(2023, 1, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(i)*16*time.Minute +
		time.Duration(r.Int64N(int64(4*time.Hour))) - 2*time.Hour)
	e := Envelope{
		Ref:       Ref{BAL: benchBAL, Folder: folder, UID: g.folderUID[folder]},
		MessageID: fmt.Sprintf("<%d.%x@medecin.mssante.fr>", i, r.Uint64()),
		Date:      date,
		From:      Address{Name: "Dr " + df + " " + dl, Email: strings.ToLower(Fold(df)+"."+Fold(dl)) + "@medecin.mssante.fr"},
		To:        []Address{{Name: "Pharmacie des Tilleuls", Email: benchBAL}},
		Subject:   fmt.Sprintf(benchSubjects[r.IntN(len(benchSubjects))], patient),
		Text:      benchText(r, pl, drug),
	}
	if r.IntN(10) > 0 {
		e.Flags = []string{flagSeen}
	}
	if r.IntN(10) < 3 {
		e.Patient = &PatientRef{INS: fmt.Sprintf("%d%014d", 1+r.IntN(2), r.Int64N(1e14)), Name: patient}
		e.Kind = "patient"
	}
	e.Preview = e.Text[:min(len(e.Text), 120)]
	var raw strings.Builder
	fmt.Fprintf(&raw, "Message-ID: %s\r\nDate: %s\r\nFrom: %q <%s>\r\nTo: %s\r\nSubject: %s\r\nMIME-Version: 1.0\r\n",
		e.MessageID, date.Format(time.RFC1123Z), e.From.Name, e.From.Email, benchBAL, e.Subject)
	if i%5 == 0 { // 20 % with a PDF
		size := int(math.Exp(math.Log(10<<10) + r.Float64()*(math.Log(150<<10)-math.Log(10<<10))))
		name := fmt.Sprintf("Ordonnance_%s_%s.pdf", pl, date.Format("2006-01-02"))
		e.Attachments = []Attachment{{Name: name, ContentType: "application/pdf", Size: int64(size)}}
		pdf := make([]byte, size)
		copy(pdf, "%PDF-1.4\n%âãÏÓ\n1 0 obj\n<< /Length 0 /Filter /FlateDecode >>\nstream\n")
		rand.NewChaCha8([32]byte{byte(i), byte(i >> 8), byte(i >> 16)}).Read(pdf[64:])
		raw.WriteString("Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
		raw.WriteString(e.Text)
		fmt.Fprintf(&raw, "\r\n--b1\r\nContent-Type: application/pdf; name=%q\r\nContent-Disposition: attachment; filename=%q\r\nContent-Transfer-Encoding: base64\r\n\r\n", name, name)
		enc := base64.StdEncoding.EncodeToString(pdf)
		raw.Grow(len(enc) * 78 / 76)
		for len(enc) > 76 {
			raw.WriteString(enc[:76])
			raw.WriteString("\r\n")
			enc = enc[76:]
		}
		raw.WriteString(enc)
		raw.WriteString("\r\n--b1--\r\n")
	} else {
		raw.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
		raw.WriteString(e.Text)
	}
	body := []byte(raw.String())
	e.Size = int64(len(body))
	return Message{Envelope: e, Body: body}
}
