package sandbox

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"

	"comptoir/cps/cpstest"
	"comptoir/mail/provisioning"
	"comptoir/mail/xdm"
)

// The demo seed: the pharmacy of the cpstest fixtures, its staff's BALs, a doctor and a
// hospital, fictitious patients, and an inbox that looks lived in. Every name is fictitious.

// seedPatient is a fictitious patient with a valid NIR (key computed).
type seedPatient struct {
	nir13, given, surname, birth, sex string // birth YYYYMMDD, sex M/F
}

func (p seedPatient) ins() string  { return withKey(p.nir13) }
func (p seedPatient) name() string { return p.given + " " + strings.ToUpper(p.surname) }

var seedPatients = []seedPatient{
	{"2850469123045", "Camille", "Roussel", "19850412", "F"},
	{"1621175056012", "Jean-Marc", "Delaunay", "19621103", "M"},
	{"293072A004021", "Lucie", "Marchand", "19930718", "F"},
	{"1480269387102", "Henri", "Perrin", "19480221", "M"},
	{"2790913055087", "Nadia", "Benali", "19790930", "F"},
}

// SeedPatientINS returns the INS of the seeded patients (demo and tests).
func SeedPatientINS() []string {
	out := make([]string, len(seedPatients))
	for i, p := range seedPatients {
		out[i] = p.ins()
	}
	return out
}

// SeedAddresses are the BALs the seed creates.
type SeedAddresses struct {
	Pharmacy, Titulaire, Assistant, Doctor, Hospital string
}

// Seed returns the addresses of the seeded BALs for a domain.
func Seed(domain string) SeedAddresses {
	return SeedAddresses{
		Pharmacy:  "pharmacie-des-tilleuls-69003-lyon@" + domain,
		Titulaire: "elise.bonnefoy@" + domain,
		Assistant: "sophie.garnier@" + domain,
		Doctor:    "antoine.fauvel@" + domain,
		Hospital:  "centre-hospitalier-des-cedres-69004-lyon@" + domain,
	}
}

func fixtureHolder(f cpstest.Fixture) holderRecord {
	return holderRecord{ID: f.NationalID, Surname: f.Surname, GivenName: f.GivenName, Profession: f.Profession}
}

func displayName(f cpstest.Fixture) string { return f.GivenName + " " + strings.ToUpper(f.Surname) }

func structureOf(s cpstest.Situation, name, street string) *provisioning.Structure {
	return &provisioning.Structure{FINESS: s.StructureID, Name: name, Street: street, PostalCode: s.PostalCode, City: s.Town}
}

// seed creates the demo data once per data directory.
func (s *Server) seed() error {
	s.reg.mu.Lock()
	done := s.reg.Seeded
	s.reg.mu.Unlock()
	if done {
		return nil
	}
	now := s.opts.Now()
	created := now.AddDate(0, -3, 0)
	a := Seed(s.opts.Domain)
	t, g, m := cpstest.Titulaire, cpstest.PharmacienCPS3, cpstest.Medecin
	hospital := m.Situations[1]
	bals := []*balRecord{
		{Address: a.Pharmacy, Kind: provisioning.KindORG, DisplayName: "Pharmacie des Tilleuls", Holder: fixtureHolder(t),
			Structure: structureOf(cpstest.Pharmacie, "Pharmacie des Tilleuls", "12 rue des Tilleuls"),
			Members: map[string]memberRecord{
				t.NationalID:                   {Role: provisioning.RoleAdmin, Name: displayName(t)},
				g.NationalID:                   {Role: provisioning.RoleManager, Name: displayName(g)},
				cpstest.Preparateur.NationalID: {Role: provisioning.RoleUser, Name: displayName(cpstest.Preparateur)},
			}},
		{Address: a.Titulaire, Kind: provisioning.KindPER, DisplayName: displayName(t), Holder: fixtureHolder(t)},
		{Address: a.Assistant, Kind: provisioning.KindPER, DisplayName: displayName(g), Holder: fixtureHolder(g)},
		{Address: a.Doctor, Kind: provisioning.KindPER, DisplayName: displayName(m), Holder: fixtureHolder(m)},
		{Address: a.Hospital, Kind: provisioning.KindORG, DisplayName: "Centre hospitalier des Cèdres", Holder: fixtureHolder(m),
			Structure: structureOf(hospital, "Centre hospitalier des Cèdres", "3 avenue des Cèdres"),
			Members:   map[string]memberRecord{m.NationalID: {Role: provisioning.RoleAdmin, Name: displayName(m)}}},
	}
	s.reg.mu.Lock()
	for _, b := range bals {
		b.CGUVersion, b.Created, b.ActiveAt = CurrentCGU, created, created
		if b.Members == nil {
			b.Members = map[string]memberRecord{}
		}
		for id, m := range b.Members {
			m.Since = created
			b.Members[id] = m
		}
		s.reg.BALs[b.Address] = b
	}
	for _, p := range seedPatients {
		s.reg.Patients[p.ins()] = patientRecord{INS: p.ins(), Name: p.name()}
	}
	err := s.reg.saveLocked()
	s.reg.mu.Unlock()
	if err != nil {
		return err
	}
	for _, b := range bals {
		if _, err := s.mail.ensure(b.Address); err != nil {
			return err
		}
	}
	if err := s.seedMessages(a, now); err != nil {
		return fmt.Errorf("sandbox: seed messages: %w", err)
	}
	s.reg.mu.Lock()
	s.reg.Seeded = true
	err = s.reg.saveLocked()
	s.reg.mu.Unlock()
	return err
}

// at returns a past time: days ago at hh:mm local time.
func at(now time.Time, days, hh, mm int) time.Time {
	d := now.AddDate(0, 0, -days)
	t := time.Date(d.Year(), d.Month(), d.Day(), hh, mm, 0, 0, time.Local)
	if t.After(now) {
		t = now.Add(-time.Duration(days+1) * time.Minute)
	}
	return t
}

// proMessage writes a message from a professional BAL straight into a folder.
func (s *Server) proMessage(folder, fromName, from, to, subject, text string, atts []Attachment, date time.Time,
	extra *header, flags []imap.Flag) error {
	h := baseHeader(fromName, from, []string{to}, subject, date, newMessageID(s.opts.Domain))
	h.add("X-MSS-NIL", "LogicielFictif/3.2")
	if extra != nil {
		for i, k := range extra.keys {
			h.add(k, extra.vals[i])
		}
	}
	raw := mailParts{text: text, attachments: atts}.build(h)
	owner := to
	if folder == "Sent" {
		owner = from
	}
	if folder == "INBOX" {
		raw = s.stamp(from, s.opts.Domain, date, raw, submittedVerdict(from))
	}
	return s.appendRaw(owner, folder, raw, date, flags)
}

func (s *Server) patientMessage(p seedPatient, to, subject, text string, atts []Attachment, date time.Time, seen bool) error {
	_, err := s.deliverFromPatientAt(p.ins(), to, subject, text, atts, date, nil)
	if err != nil || !seen {
		return err
	}
	return s.markLastSeen(to)
}

func (s *Server) markLastSeen(addr string) error {
	acct := s.mail.account(addr)
	if acct == nil {
		return fmt.Errorf("%w: %s", ErrNoSuchMailbox, addr)
	}
	mb, err := acct.box("INBOX")
	if err != nil {
		return err
	}
	mb.mu.Lock()
	defer mb.mu.Unlock()
	if len(mb.l) == 0 {
		return nil
	}
	last := mb.l[len(mb.l)-1]
	last.flags[canonicalFlag(imap.FlagSeen)] = struct{}{}
	return s.mail.putFlags(mb.id, []*message{last})
}

func (s *Server) seedMessages(a SeedAddresses, now time.Time) error {
	camille, jeanMarc, lucie, henri, nadia := seedPatients[0], seedPatients[1], seedPatients[2], seedPatients[3], seedPatients[4]
	doctorName := "Dr_Antoine_FAUVEL_Cabinet du Dr Fauvel"
	seen := []imap.Flag{imap.FlagSeen}

	// Ordinary messages over six weeks, oldest first, so the inbox looks alive.
	rng := rand.New(rand.NewPCG(2026, 11))
	type ordinary struct {
		subject, text string
		fromDoctor    bool
	}
	pool := []ordinary{
		{"Renouvellement de traitement", "Bonjour,\n\nMon médecin a renouvelé mon traitement pour trois mois. Pourriez-vous préparer la commande ? Je passerai jeudi.\n\nMerci beaucoup.", false},
		{"Horaires pendant les fêtes", "Bonjour,\n\nSerez-vous ouverts le samedi 27 au matin ?\n\nBonne journée.", false},
		{"Lait infantile", "Bonjour,\n\nPouvez-vous commander deux boîtes du lait infantile 2e âge habituel ?\n\nMerci.", false},
		{"Question sur la posologie", "Bonjour,\n\nJe ne suis plus sûre : le sirop se prend matin et soir ou seulement le soir ?\n\nMerci de votre aide.", false},
		{"Tensiomètre", "Bonjour,\n\nLouez-vous des tensiomètres pour une automesure d'une semaine ?\n\nCordialement.", false},
		{"Vaccination antigrippale", "Bonjour,\n\nEst-il possible de se faire vacciner contre la grippe sans rendez-vous ?\n\nMerci.", false},
		{"Bas de contention", "Bonjour,\n\nMes bas de contention sont arrivés ? Taille 2, classe 2.\n\nMerci d'avance.", false},
		{"Modification de traitement", "Chère consœur, cher confrère,\n\nJ'ai remplacé le ramipril par le périndopril 4 mg chez notre patient commun. Merci de votre vigilance lors de la prochaine délivrance.\n\nBien confraternellement,\nDr Antoine Fauvel", true},
		{"Préparation magistrale", "Bonjour,\n\nPouvez-vous réaliser une préparation de gélules de mélatonine 2 mg pour un enfant ? L'ordonnance suit par le patient.\n\nCordialement,\nDr Antoine Fauvel", true},
		{"Interaction signalée", "Bonjour,\n\nMerci pour votre signalement d'interaction ; j'ai arrêté la clarithromycine.\n\nBien cordialement,\nDr Antoine Fauvel", true},
		{"Bilan partagé de médication", "Bonjour,\n\nJe suis favorable au bilan partagé de médication pour Mme Benali. Tenez-moi informé.\n\nDr Antoine Fauvel", true},
	}
	patients := []seedPatient{camille, jeanMarc, lucie, henri, nadia}
	for i := range 36 {
		days := 45 - i*45/36
		date := at(now, days, 8+rng.IntN(10), rng.IntN(60))
		o := pool[rng.IntN(len(pool))]
		markSeen := days > 3
		if o.fromDoctor {
			var flags []imap.Flag
			if markSeen {
				flags = seen
			}
			if err := s.proMessage("INBOX", doctorName, a.Doctor, a.Pharmacy, o.subject, o.text, nil, date, nil, flags); err != nil {
				return err
			}
			continue
		}
		p := patients[rng.IntN(len(patients))]
		if err := s.patientMessage(p, a.Pharmacy, o.subject, o.text+"\n"+p.name(), nil, date, markSeen); err != nil {
			return err
		}
	}

	// A bounce: a message to a patient unknown to Mon Espace Santé.
	unknownINS := withKey("1700169123456")
	bounceDate := at(now, 4, 16, 5)
	h := baseHeader("Pharmacie des Tilleuls", a.Pharmacy, []string{strings.ToLower(unknownINS) + "@" + PatientDomain},
		"Votre commande est disponible", bounceDate, newMessageID(s.opts.Domain))
	h.add("X-MSS-NIL", "Comptoir/seed")
	h.add("X-MSS-MES", "FIN")
	orig := mailParts{text: "Bonjour,\n\nVotre commande est disponible à la pharmacie.\n\nPharmacie des Tilleuls"}.build(h)
	if err := s.appendRaw(a.Pharmacy, "Sent", orig, bounceDate, seen); err != nil {
		return err
	}
	dsn := buildDSN(s.opts.Domain, a.Pharmacy, "", []dsnEntry{{rcpt: strings.ToLower(unknownINS) + "@" + PatientDomain,
		action: "failed", status: "5.1.1", diag: "smtp; 550 5.1.1 Patient unknown to Mon Espace Sante (INS)"}}, orig, bounceDate.Add(time.Minute))
	if err := s.appendRaw(a.Pharmacy, "INBOX", dsn, bounceDate.Add(time.Minute), nil); err != nil {
		return err
	}

	// The doctor's report: IHE XDM + PDF copy and the X-MSS-* headers.
	repDate := at(now, 3, 18, 20)
	pdfName := repDate.Format("20060102") + "_Compte-rendu-consultation_ROUSSEL_Camille_D2026-0412.pdf"
	report := makePDF("Compte rendu de consultation", []string{
		"Patiente : Camille ROUSSEL, née le 12/04/1985", "INS : " + camille.ins(),
		"Motif : suivi d'asthme. Examen clinique sans particularité.",
		"Traitement : salbutamol à la demande, béclométasone 250 µg matin et soir.",
		"Dr Antoine FAUVEL - RPPS " + cpstest.Medecin.NationalID[1:],
	})
	xdmZip, err := seedXDM(camille, report, repDate)
	if err != nil {
		return err
	}
	extra := &header{}
	extra.add("X-MSS-CODECDA", "11488-4")
	extra.add("X-MSS-INS", "O")
	if err := s.proMessage("INBOX", doctorName, a.Doctor, a.Pharmacy,
		"XDM/1.0/DDM+Compte rendu de consultation ROUSSEL Camille 19850412",
		"Chère consœur,\n\nVeuillez trouver ci-joint le compte rendu de consultation de Mme Camille ROUSSEL, avec son traitement de fond.\n\nBien confraternellement,\nDr Antoine Fauvel",
		[]Attachment{{Name: "IHE_XDM.ZIP", ContentType: "application/zip", Data: xdmZip}, {Name: pdfName, ContentType: "application/pdf", Data: report}},
		repDate, extra, nil); err != nil {
		return err
	}

	// The ordinary prescription (PDF + photo) to the pharmacy's ORG BAL.
	presc := makePDF("Ordonnance", []string{"Dr Antoine FAUVEL - Médecine générale - 69006 Lyon", "Le " + at(now, 2, 8, 0).Format("02/01/2006"),
		"Mme Camille ROUSSEL", "Amoxicilline 1 g : 1 comprimé matin et soir pendant 6 jours.", "Paracétamol 1 g : si douleur, 3 par jour au plus."})
	if err := s.patientMessage(camille, a.Pharmacy, "Ordonnance pour ce soir",
		"Bonjour,\n\nVoici mon ordonnance (le PDF et une photo). Je passerai la chercher vers 18 h.\n\nMerci,\nCamille Roussel",
		[]Attachment{{Name: "ordonnance.pdf", ContentType: "application/pdf", Data: presc}, {Name: "photo_ordonnance.jpg", ContentType: "image/jpeg", Data: makePhoto()}},
		at(now, 2, 9, 12), false); err != nil {
		return err
	}

	// The read-receipt request from the hospital.
	rr := &header{}
	rr.add("Disposition-Notification-To", formatAddr("Centre hospitalier des Cèdres", a.Hospital))
	if err := s.proMessage("INBOX", "Centre hospitalier des Cèdres", a.Hospital, a.Pharmacy,
		"Sortie d'hospitalisation de M. Henri PERRIN — traitement de sortie",
		"Madame, Monsieur,\n\nM. Henri PERRIN quitte le service de cardiologie demain. Son traitement de sortie vous sera présenté par le patient ; merci de confirmer la bonne réception de ce message.\n\nLe secrétariat de cardiologie",
		nil, at(now, 1, 11, 30), rr, nil); err != nil {
		return err
	}

	// The confidential prescription to the titulaire's personal BAL.
	conf := makePDF("Ordonnance", []string{"Dr Antoine FAUVEL - Médecine générale - 69006 Lyon", "M. Jean-Marc DELAUNAY",
		"Traitement confidentiel : voir posologie jointe."})
	if err := s.patientMessage(jeanMarc, a.Titulaire, "Ordonnance confidentielle",
		"Bonjour Madame Bonnefoy,\n\nJe préfère vous adresser directement cette ordonnance. Merci de la garder confidentielle.\n\nJean-Marc Delaunay",
		[]Attachment{{Name: "ordonnance_confidentielle.pdf", ContentType: "application/pdf", Data: conf}}, at(now, 1, 19, 47), false); err != nil {
		return err
	}

	// The stock question.
	return s.patientMessage(lucie, a.Pharmacy, "Médicament en stock ?",
		"Bonjour,\n\nAvez-vous de l'amoxicilline 500 mg en gélules en stock ? Je peux passer ce midi.\n\nLucie Marchand",
		nil, at(now, 0, 8, 40), false)
}

func (s *Server) appendRaw(addr, folder string, raw []byte, t time.Time, flags []imap.Flag) error {
	acct, err := s.mail.ensure(addr)
	if err != nil {
		return err
	}
	mb, err := acct.box(folder)
	if err != nil {
		return err
	}
	_, err = mb.appendBytes(raw, t, flags)
	return err
}

// seedXDM packs the report as the doctor's software would: a CDA R2 level 1 document
// embedding the PDF, in an IHE_XDM.ZIP whose metadata names the patient's INS.
func seedXDM(p seedPatient, pdf []byte, date time.Time) ([]byte, error) {
	birth, err := time.Parse("20060102", p.birth)
	if err != nil {
		return nil, fmt.Errorf("seed birth date: %w", err)
	}
	pat := xdm.Patient{ID: p.ins(), OID: xdm.OIDINSNIR, Family: strings.ToUpper(p.surname), Given: p.given, BirthDate: birth, Sex: p.sex}
	report := xdm.Code{Code: "11488-4", Scheme: "2.16.840.1.113883.6.1", Display: "Compte rendu de consultation"}
	doc, err := xdm.NewPDFDocument(xdm.CDAInfo{Type: report, Title: "Compte rendu de consultation", Created: date, ServiceStart: date,
		Author: xdm.Author{ID: cpstest.Medecin.NationalID, IDRoot: "1.2.250.1.71.4.2.1", Family: "FAUVEL", Given: "Antoine",
			Org: "Cabinet du Dr Fauvel"}}, report, pat, pdf)
	if err != nil {
		return nil, fmt.Errorf("seed XDM document: %w", err)
	}
	pkg, err := xdm.NewPackage(pat, "1.2.250.1.71.4.2.1."+cpstest.Medecin.NationalID, "Compte rendu de consultation", date, doc)
	if err != nil {
		return nil, fmt.Errorf("seed XDM package: %w", err)
	}
	return pkg.Bytes()
}
