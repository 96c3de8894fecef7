package demo_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"comptoir/app"
	"comptoir/app/apptest"
	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cps/cpstest"
	"comptoir/mail/msg"
	"comptoir/mail/patient"
)

// The seed's patients (cmd/mss-sandbox/sandbox): Camille ROUSSEL, Jean-Marc DELAUNAY, Lucie MARCHAND,
// Henri PERRIN, Nadia BENALI, in this order.
var seedINS = sandbox.SeedPatientINS()

// openPatients logs in, waits for the first sync and opens the patients window on ins.
func openPatients(t *testing.T, h *apptest.Harness, ins string) *app.PatientsScreen {
	t.Helper()
	openMail(t, h)
	h.WaitText("● En ligne")
	p := h.UI.ShowPatients()
	if p == nil {
		t.Fatal("no patients window: the session has no patient book")
	}
	h.WaitFor("the patient "+ins+" in the list", func() bool {
		p.Reload()
		return p.Select(ins)
	})
	return p
}

// waitConversation waits until the patient's conversation has a row containing s.
func waitConversation(t *testing.T, h *apptest.Harness, p *app.PatientsScreen, ins, s string) string {
	t.Helper()
	var row string
	h.WaitFor("«"+s+"» in the conversation", func() bool {
		p.Select(ins)
		for _, r := range p.ConversationRows() {
			if strings.Contains(r, s) {
				row = r
				return true
			}
		}
		return false
	})
	return row
}

func TestPatientConversationShowsNameAndINS(t *testing.T) {
	h := start(t, cpstest.Titulaire.Label)
	camille := seedINS[0]
	p := openPatients(t, h, camille)
	// Created from her Mon Espace Santé messages: name from the sender, INS from the address.
	if !slices.Contains(p.Rows(), "ROUSSEL Camille — INS "+camille) {
		t.Fatalf("patient list:\n%s", strings.Join(p.Rows(), "\n"))
	}
	row := waitConversation(t, h, p, camille, "Ordonnance pour ce soir")
	if !strings.Contains(row, "Reçu — Officine ("+pharmacy+")") {
		t.Fatalf("conversation row %q does not say it was received in the pharmacy's BAL", row)
	}
	texts := apptest.WindowTexts(p.Window)
	ins, _ := patient.ParseINS(camille)
	if !apptest.Contains(texts, "ROUSSEL Camille — INS "+ins.Grouped()+" — INS non qualifié") {
		t.Fatalf("the patients window lacks the patient's name and INS:\n%s", strings.Join(texts, "\n"))
	}
	if !p.SelectMessage("Ordonnance pour ce soir") || !strings.Contains(p.Message.Text, "Voici mon ordonnance") {
		t.Fatalf("the message's text is not shown: %q", p.Message.Text)
	}
	// Locking closes the patients' windows: they show health data.
	defer func() {
		h.UI.Lock("test")
		for _, w := range h.A.Driver().AllWindows() {
			if w == p.Window {
				t.Error("the patients window stays open on the lock screen")
			}
		}
	}()

	// Writing to her needs a qualified INS first.
	test.Tap(p.Write)
	if !p.Error.Visible() || !strings.Contains(p.Error.Text, "n'est pas qualifié") {
		t.Fatalf("writing to an unqualified INS: %q", p.Error.Text)
	}
	if len(h.UI.Composers()) != 0 {
		t.Fatal("a composer opened for an unqualified INS")
	}
}

func TestConfidentialPrescriptionOnlyInThePersonalBAL(t *testing.T) {
	seed := sandbox.Seed(sandbox.DefaultDomain)
	h := openBAL(t, cpstest.Titulaire.Label, seed.Titulaire)
	openRow(t, h, "Ordonnance confidentielle")
	h.WaitText("Confidentiel : adressé personnellement au pharmacien, visible seulement dans la boîte personnelle " + seed.Titulaire)
	h.WaitText("ordonnance_confidentielle.pdf")

	// Not in the pharmacy's shared BAL.
	selectBAL(t, h, pharmacy)
	openRow(t, h, "Ordonnance pour ce soir")
	if h.Shows("Confidentiel") {
		t.Fatal("an ordinary prescription in the ORG BAL is marked confidential")
	}
	for i := 0; i < h.UI.Main.Rows(); i++ {
		if _, s := h.UI.Main.RowText(i); strings.Contains(s, "Ordonnance confidentielle") {
			t.Fatal("the confidential prescription shows in the pharmacy's shared BAL")
		}
	}

	// In Jean-Marc's conversation, marked confidential and placed in the personal BAL.
	p := h.UI.ShowPatients()
	jeanMarc := seedINS[1]
	h.WaitFor("Jean-Marc in the patients", func() bool { p.Reload(); return p.Select(jeanMarc) })
	row := waitConversation(t, h, p, jeanMarc, "Ordonnance confidentielle")
	if !strings.Contains(row, "Personnelle ("+seed.Titulaire+")") || !strings.HasSuffix(row, "— Confidentiel") {
		t.Fatalf("conversation row %q: want the personal BAL and the confidential mark", row)
	}
}

// The assistant (préparatrice) opens the pharmacy's BAL but not the titulaire's own: the
// confidential prescription never reaches her screens.
func TestConfidentialPrescriptionHiddenFromOtherStaff(t *testing.T) {
	env.Cards.Faults().Insert(cpstest.Preparateur.Label)
	t.Cleanup(func() { env.Cards.Faults().Pull(cpstest.Preparateur.Label) })
	h := start(t, cpstest.Preparateur.Label)
	camille, jeanMarc := seedINS[0], seedINS[1]
	p := openPatients(t, h, camille)
	waitConversation(t, h, p, camille, "Ordonnance pour ce soir")
	if p.Select(jeanMarc) {
		for _, r := range p.ConversationRows() {
			if strings.Contains(r, "Ordonnance confidentielle") {
				t.Fatalf("the assistant sees the confidential prescription: %q", r)
			}
		}
	}
	if b := h.UI.Main.BALButton(sandbox.Seed(sandbox.DefaultDomain).Titulaire); b != nil {
		t.Fatalf("the assistant can open the titulaire's personal BAL: %q", b.Text)
	}
}

// patientMessage returns the parsed message of the patient's Mon Espace Santé mailbox whose
// text contains s, or nil.
func patientMessage(t *testing.T, ins, s string) *msg.Parsed {
	t.Helper()
	raws, err := env.Sandbox.Messages(strings.ToLower(ins) + "@" + patient.Domain)
	if err != nil {
		return nil // no mailbox yet: nothing delivered
	}
	for _, raw := range raws {
		p, err := msg.Parse(raw)
		if err == nil && strings.Contains(p.Body, s) {
			return p
		}
	}
	return nil
}

func TestStockQuestionAnsweredWithATemplate(t *testing.T) {
	h := start(t, cpstest.Titulaire.Label)
	lucie := seedINS[2]
	p := openPatients(t, h, lucie)
	waitConversation(t, h, p, lucie, "Médicament en stock")
	if !p.SelectMessage("Médicament en stock ?") {
		t.Fatal("the stock question is not in Lucie's conversation")
	}
	test.Tap(p.Reply)
	h.WaitFor("the composer", func() bool { return len(h.UI.Composers()) == 1 })
	c := h.UI.Composers()[0]
	if c.Templates == nil || !slices.Contains(c.Templates.Select.Options, "Médicament disponible") {
		t.Fatal("the composer offers no reply template")
	}
	c.Templates.Select.SetSelected("Médicament disponible")
	med := c.Templates.Values[patient.PlaceholderMedicament]
	if med == nil || c.Templates.Ask == nil {
		t.Fatal("the template did not ask for the medicine")
	}
	med.SetText("amoxicilline 500 mg")
	test.Tap(c.Templates.Fill)
	want := "Bonjour Lucie MARCHAND,\n\nVotre médicament amoxicilline 500 mg est disponible à la pharmacie."
	if !strings.HasPrefix(c.Body.Text, want) || !strings.Contains(c.Body.Text, "Avez-vous de l'amoxicilline") {
		t.Fatalf("composer body:\n%s", c.Body.Text)
	}
	if !strings.HasPrefix(c.Subject.Text, "Re: ") {
		t.Fatalf("a reply's subject became %q", c.Subject.Text)
	}
	if !c.NoReply.Checked {
		test.Tap(c.NoReply)
	}
	test.Tap(c.Send)
	h.WaitText("Message envoyé")
	var got *msg.Parsed
	h.WaitFor("the reply in Lucie's Mon Espace Santé", func() bool {
		got = patientMessage(t, lucie, "amoxicilline 500 mg est disponible")
		return got != nil
	})
	if got.MSS.MES != "FIN" {
		t.Errorf("X-MSS-MES is %q on the wire, want FIN", got.MSS.MES)
	}
	if got.InReplyTo == "" || !strings.Contains(got.Body, "Pharmacie des Tilleuls") {
		t.Errorf("reply: In-Reply-To %q, body:\n%s", got.InReplyTo, got.Body)
	}
}

func TestWriteToAPatientChecksIdentityAndSize(t *testing.T) {
	h := start(t, cpstest.Titulaire.Label)
	nadia := seedINS[4]
	p := openPatients(t, h, seedINS[0])

	// Created by hand: a bad key is refused in French, then the right INS.
	f := p.ShowForm(nil)
	f.INS.SetText(nadia[:13] + "00")
	f.BirthName.SetText("Benali")
	f.FirstNames.SetText("Nadia")
	f.Birth.SetText("30/09/1979")
	f.Sex.SetSelected(patient.Female.Label())
	f.Qualified.SetChecked(true)
	test.Tap(f.Save)
	if !strings.Contains(f.Error.Text, "La clé du matricule INS ne correspond pas") {
		t.Fatalf("bad key: %q", f.Error.Text)
	}
	f.INS.SetText(nadia)
	test.Tap(f.Save)
	if f.Error.Visible() {
		t.Fatalf("the form refused a valid patient: %q", f.Error.Text)
	}
	if !p.Select(nadia) || !strings.Contains(p.Header.Text, "BENALI Nadia") || !strings.Contains(p.Header.Text, "INS qualifié") {
		t.Fatalf("header after creation: %q", p.Header.Text)
	}

	// Birth date and sex are confirmed before the address is built.
	ic := p.AskIdentity()
	ic.Birth.SetText("30/09/1980")
	ic.Sex.SetSelected(patient.Female.Label())
	test.Tap(ic.OK)
	if !strings.Contains(ic.Error.Text, "ne correspondent pas") || ic.Composer != nil {
		t.Fatalf("a wrong birth date: %q", ic.Error.Text)
	}
	ic.Birth.SetText("30/09/1979")
	test.Tap(ic.OK)
	c := ic.Composer
	if c == nil {
		t.Fatalf("no composer after confirming: %q", ic.Error.Text)
	}
	addr := strings.ToLower(nadia) + "@" + patient.Domain
	if !strings.Contains(strings.ToLower(c.To.Text), addr) || !c.NoReply.Checked {
		t.Fatalf("composer: to %q, pas de réponse attendue %v", c.To.Text, c.NoReply.Checked)
	}
	if !strings.Contains(c.From.Selected, pharmacy) {
		t.Fatalf("a message to a patient leaves from %q, want the pharmacy's BAL", c.From.Selected)
	}

	// 30 MB of attachments: refused before anything is queued.
	subject := fmt.Sprintf("Vos résultats %d", time.Now().UnixNano())
	c.Subject.SetText(subject)
	c.Body.SetText("Bonjour, voici les documents demandés.")
	c.AddAttachment("scanner.pdf", bytes.Repeat([]byte("%PDF-1.4 0123456789abcdef"), 30_000_000/25))
	outbox := outboxText(h)
	if outbox == "" {
		t.Fatal("the status bar shows no outbox count")
	}
	test.Tap(c.Send)
	if !c.Error.Visible() || !strings.Contains(c.Error.Text, "Mon Espace Santé refuse les messages de plus de 25 Mo") {
		t.Fatalf("30 MB to a patient: composer shows %q", c.Error.Text)
	}
	if len(h.UI.Composers()) != 1 {
		t.Fatal("the composer closed as if the message had been sent")
	}
	h.Drain()
	if got := outboxText(h); got != outbox {
		t.Fatalf("the outbox went from %q to %q", outbox, got)
	}
	if got := patientMessage(t, nadia, "voici les documents demandés"); got != nil {
		t.Fatal("the 30 MB message reached Mon Espace Santé")
	}
}

func TestBounceFromMonEspaceSanteExplained(t *testing.T) {
	h := openBAL(t, cpstest.Titulaire.Label, pharmacy)
	openRow(t, h, "Non distribué")
	h.WaitText("Le patient est inconnu de Mon Espace Santé : son INS ne correspond à aucune messagerie patient.")
}

// outboxText is the status bar's outbox count as shown.
func outboxText(h *apptest.Harness) string {
	for _, v := range h.Visible() {
		if strings.HasPrefix(v, "Boîte d'envoi : ") {
			return v
		}
	}
	return ""
}
