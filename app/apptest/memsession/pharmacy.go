package memsession

import (
	"fmt"
	"strings"
	"time"

	"comptoir/app"
	"comptoir/mail/patient"
)

// The pharmacy world's addresses, as the demo's sandbox seed names them.
const (
	PER     = "elise.bonnefoy@sandbox.mssante.test"
	ORG     = "pharmacie-des-tilleuls-69003-lyon@sandbox.mssante.test"
	APP     = "app-preparatoire-pharmacie-des-tilleuls-69003-lyon@sandbox.mssante.test"
	Doctor  = "antoine.fauvel@sandbox.mssante.test"
	Patient = "285046912304512@patient.mssante.fr" // Camille ROUSSEL
)

// Subjects of the pharmacy's inbox that tests look for.
const (
	SubjectStock    = "Médicament en stock ?"
	SubjectReport   = "XDM/1.0/DDM+Compte rendu de consultation ROUSSEL Camille 12/05/1985"
	SubjectLong     = "Protocole de préparation des gélules de vitamine D"
	SubjectOrder    = "Ordonnance pour ce soir"
	SubjectHospital = "Sortie d'hospitalisation de M. Henri PERRIN — traitement de sortie à préparer avant vendredi"
)

// Holder is the pharmacy's owner, as on the demo card (one practice situation).
func Holder() app.Holder {
	return app.Holder{GivenName: "Élise", Surname: "BONNEFOY", Profession: "Pharmacien",
		NationalID: "899700412358", IDType: "RPPS",
		Situations: []string{"PHARMACIE DES TILLEULS — FINESS 690999123"}}
}

// SetHolder replaces the card holder (several situations, another profession).
func (s *Session) SetHolder(h app.Holder) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.holder = h
}

// Pharmacy is the demo pharmacy's world at now: the owner's personal BAL, the pharmacy's
// (ORG) BAL with patients' and doctors' mail, a report, a long message and enough older
// mail to scroll, and an APP BAL. Names and INS are long on purpose.
func Pharmacy(now time.Time) *Session {
	s := New(Holder())
	s.AddBAL(app.BAL{Address: PER, Kind: app.KindPER, DisplayName: "Dr Élise BONNEFOY"})
	s.AddBAL(app.BAL{Address: ORG, Kind: app.KindORG, DisplayName: "Pharmacie des Tilleuls", Role: app.RoleAdmin})
	s.AddBAL(app.BAL{Address: APP, Kind: app.KindAPP, DisplayName: "Préparatoire"})
	day := func(n int, hh, mm int) time.Time {
		d := now.AddDate(0, 0, -n)
		return time.Date(d.Year(), d.Month(), d.Day(), hh, mm, 0, 0, now.Location())
	}
	fauvel := app.Address{Name: "Dr Antoine FAUVEL", Email: Doctor}
	pharmacy := []app.Address{{Name: "Pharmacie des Tilleuls", Email: ORG}}
	pdf := []byte("%PDF-1.4\n% test\n")

	s.Add(ORG, "INBOX", app.Message{Envelope: app.Envelope{MessageID: "stock@patient", Date: day(0, 8, 40),
		From: app.Address{Name: "Lucie MARCHAND", Email: "293072A00402139@patient.mssante.fr"}, To: pharmacy,
		Subject: SubjectStock, Kind: "patient", Patient: &app.Patient{INS: "293072A00402139", Name: "Lucie MARCHAND"}},
		Text: "Bonjour,\n\nAvez-vous de l'amoxicilline 500 mg en gélules en stock ?\n\nLucie Marchand"})
	s.Add(ORG, "INBOX", app.Message{Envelope: app.Envelope{MessageID: "sortie@ch", Date: day(1, 17, 5),
		From: app.Address{Name: "Centre hospitalier des Cèdres — Service de médecine interne", Email: "secretariat.medecine@ch-cedres.sandbox.mssante.test"},
		To:   pharmacy, Subject: SubjectHospital, MDNRequested: true},
		Text: "Madame, Monsieur,\n\nVeuillez trouver le traitement de sortie de M. PERRIN.", AskMDN: true})
	s.Add(ORG, "INBOX", app.Message{Envelope: app.Envelope{MessageID: "magistrale@fauvel", Date: day(2, 11, 20),
		From: fauvel, To: pharmacy, Subject: "Préparation magistrale"},
		Text: "Bonjour,\n\nPouvez-vous préparer la pommade prescrite ?\n\nDr Fauvel"})
	s.Add(ORG, "INBOX", app.Message{Envelope: app.Envelope{MessageID: "ordonnance@patient", Date: day(2, 9, 2),
		From: app.Address{Name: "Camille ROUSSEL", Email: Patient}, To: pharmacy, Subject: SubjectOrder, Kind: "patient",
		Patient:     &app.Patient{INS: "285046912304512", Name: "Camille ROUSSEL"},
		Attachments: []app.Attachment{{Name: "ordonnance.pdf", ContentType: "application/pdf", Size: int64(len(pdf))}}},
		Text:  "Bonjour,\n\nVoici mon ordonnance, je passe ce soir.\n\nCamille Roussel",
		Parts: []app.Part{{Attachment: app.Attachment{Name: "ordonnance.pdf", ContentType: "application/pdf", Size: int64(len(pdf))}, Data: pdf}}})
	s.Add(ORG, "INBOX", app.Message{Envelope: app.Envelope{MessageID: "cr@fauvel", Date: day(3, 16, 45),
		From: fauvel, To: pharmacy, Subject: SubjectReport, Kind: "xdm",
		Patient:     &app.Patient{INS: "285046912304512", Name: "ROUSSEL Camille"},
		Attachments: []app.Attachment{{Name: "IHE_XDM.ZIP", ContentType: "application/zip", Size: 4096}}},
		Text:      "Compte rendu de consultation de Mme ROUSSEL.",
		Documents: []app.Document{{Title: "Compte rendu de consultation", ContentType: "application/pdf", Date: day(3, 0, 0), Data: pdf}}})
	s.Add(ORG, "INBOX", app.Message{Envelope: app.Envelope{MessageID: "posologie@patient", Date: day(3, 10, 0),
		From: app.Address{Name: "Nadia BENALI-FONTAINE DE LA ROCHEFOUCAULD", Email: "279091305508745@patient.mssante.fr"}, To: pharmacy,
		Subject: "Question sur la posologie du traitement prescrit par mon médecin traitant", Kind: "patient",
		Patient: &app.Patient{INS: "279091305508745", Name: "Nadia BENALI-FONTAINE DE LA ROCHEFOUCAULD"}, Seen: true},
		Text: "Bonjour, combien de comprimés par jour ?"})
	s.Add(ORG, "INBOX", app.Message{Envelope: app.Envelope{MessageID: "dsn@mta", Date: day(4, 7, 30),
		From: app.Address{Name: "Mail Delivery System", Email: "mailer-daemon@sandbox.mssante.test"}, To: pharmacy,
		Subject: "Non distribué : Votre commande est disponible", Kind: "dsn", Seen: true},
		Text: "Le message n'a pas pu être distribué.", ReportLabel: "Non distribué à 199999999999999@patient.mssante.fr : « Votre commande est disponible »."})
	var long strings.Builder
	for i := 1; i <= 80; i++ {
		fmt.Fprintf(&long, "Étape %d : peser, mélanger, contrôler et noter le lot sur la fiche de préparation.\n", i)
	}
	s.Add(ORG, "INBOX", app.Message{Envelope: app.Envelope{MessageID: "protocole@fauvel", Date: day(5, 14, 0),
		From: fauvel, To: pharmacy, Subject: SubjectLong, Seen: true}, Text: long.String()})
	for i := 1; i <= 24; i++ {
		s.Add(ORG, "INBOX", app.Message{Envelope: app.Envelope{MessageID: fmt.Sprintf("renouvellement-%d@fauvel", i),
			Date: day(6+i, 9, 0), From: fauvel, To: pharmacy, Subject: fmt.Sprintf("Renouvellement n° %d", i), Seen: true},
			Text: fmt.Sprintf("Renouvellement n° %d du traitement habituel.", i)})
	}
	s.Add(ORG, "Sent", app.Message{Envelope: app.Envelope{MessageID: "re-magistrale@tilleuls", Date: day(2, 12, 0),
		From: pharmacy[0], To: []app.Address{fauvel}, Subject: "Re: Préparation magistrale", Seen: true},
		Text: "Bonjour Docteur, la préparation sera prête demain."})
	s.Add(PER, "INBOX", app.Message{Envelope: app.Envelope{MessageID: "confidentiel@patient", Date: day(1, 18, 30),
		From: app.Address{Name: "Jean-Marc DELAUNAY", Email: "162116912345678@patient.mssante.fr"}, To: []app.Address{{Email: PER}},
		Subject: "Ordonnance confidentielle", Kind: "patient", Patient: &app.Patient{INS: "162116912345678", Name: "Jean-Marc DELAUNAY"}},
		Text: "Bonjour, voici mon ordonnance."})
	for _, p := range []patient.Patient{
		{INS: "285046912304512", BirthName: "ROUSSEL", FirstNames: "Camille", BirthDate: time.Date(1985, 5, 12, 0, 0, 0, 0, time.UTC), Sex: "F", Qualified: true},
		{INS: "293072A00402139", BirthName: "MARCHAND", FirstNames: "Lucie"},
	} {
		_ = s.PutPatient(p)
	}
	return s
}
