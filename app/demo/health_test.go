package demo_test

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"comptoir/app"
	"comptoir/app/apptest"
	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cps/cpstest"
	"comptoir/mail/msg"
	"comptoir/mail/patient"
)

// seedPerson is a seeded patient as the pharmacist knows them.
type seedPerson struct {
	ins, family, given, birth string
	sex                       patient.Sex
}

var (
	camille = seedPerson{seedINS[0], "Roussel", "Camille", "12/04/1985", patient.Female}
	henri   = seedPerson{seedINS[3], "Perrin", "Henri", "21/02/1948", patient.Male}
)

// fillPatientForm fills the patient form with x (qualified or not) and saves it.
func fillPatientForm(t *testing.T, f *app.PatientForm, x seedPerson, qualified bool) {
	t.Helper()
	f.BirthName.SetText(x.family)
	f.FirstNames.SetText(x.given)
	f.Birth.SetText(x.birth)
	if !qualified {
		f.Birth.SetText("")
	}
	f.Sex.SetSelected(x.sex.Label())
	f.Qualified.SetChecked(qualified)
	test.Tap(f.Save)
	if f.Error.Visible() {
		t.Fatalf("the patient form refused %s: %q", x.ins, f.Error.Text)
	}
}

// setQualified qualifies (or not) x's INS in the patient book, through the patients window.
func setQualified(t *testing.T, h *apptest.Harness, x seedPerson, qualified bool) {
	t.Helper()
	ps := h.UI.ShowPatients()
	ins, _ := patient.ParseINS(x.ins)
	fillPatientForm(t, ps.ShowForm(&patient.Patient{INS: ins, BirthName: x.family, FirstNames: x.given, Sex: x.sex}), x, qualified)
	ps.Window.Close()
}

// qualify qualifies x for the test and puts the record back, not qualified, at its end (the
// demo world is shared by the package's tests).
func qualify(t *testing.T, h *apptest.Harness, x seedPerson) {
	t.Helper()
	setQualified(t, h, x, true)
	t.Cleanup(func() { setQualified(t, h, x, false) })
}

// received waits for the message of mailbox addr whose text contains s, parsed.
func received(t *testing.T, h *apptest.Harness, addr, s string) *msg.Parsed {
	t.Helper()
	var got *msg.Parsed
	h.WaitFor("«"+s+"» at "+addr, func() bool {
		msgs, err := env.Sandbox.Messages(addr)
		if err != nil {
			return false
		}
		for _, raw := range msgs {
			if p, err := msg.Parse(raw); err == nil && strings.Contains(p.Body, s) {
				got = p
				return true
			}
		}
		return false
	})
	return got
}

func attachmentNames(p *msg.Parsed) []string {
	var out []string
	for _, a := range p.Attachments {
		out = append(out, a.Name)
	}
	return out
}

// « Joindre un document de santé » in the composer: the doctor receives the ECO.2.1.x
// message (XDM/1.0/DDM+ subject, IHE_XDM.ZIP, the PDF copy named as ECO.2.1.6 says) with
// X-MSS-CODECDA from the CDA's code and X-MSS-INS from the patient book's qualified INS.
func TestSendHealthDocumentFromTheComposer(t *testing.T) {
	doctor := sandbox.Seed(sandbox.DefaultDomain).Doctor
	h := start(t, cpstest.Titulaire.Label)
	openMail(t, h)
	h.WaitText("● En ligne")
	qualify(t, h, camille)

	test.Tap(h.UI.Main.NewButton)
	h.WaitFor("the composer", func() bool { return len(h.UI.Composers()) == 1 })
	c := h.UI.Composers()[0]
	c.To.SetText(doctor)
	c.Body.SetText("Docteur, voici le compte rendu de la vaccination de Mme Roussel.")
	if c.Health == nil || !c.Health.Visible() {
		t.Fatal("the composer offers no « Joindre un document de santé »")
	}
	test.Tap(c.Health)
	f := c.HealthForm
	if f == nil {
		t.Fatal("no health document form")
	}
	if !slices.Contains(f.Type.Options, "Compte rendu de vaccination") || !slices.Contains(f.Type.Options, "Bilan partagé de médication") {
		t.Fatalf("document types: %q", f.Type.Options)
	}
	chosen := ""
	for _, o := range f.Patient.Options {
		if strings.Contains(o, "ROUSSEL Camille") {
			chosen = o
		}
	}
	if chosen == "" {
		t.Fatalf("Camille (qualified) is not offered: %q", f.Patient.Options)
	}
	f.Patient.SetSelected(chosen)
	f.Type.SetSelected("Compte rendu de vaccination")
	test.Tap(f.Add)
	if !strings.Contains(f.Error.Text, "Choisissez le fichier PDF") {
		t.Fatalf("no PDF chosen: %q", f.Error.Text)
	}
	f.SetPDF("vaccin.txt", []byte("pas un PDF"))
	test.Tap(f.Add)
	if !strings.Contains(f.Error.Text, "doit être un fichier PDF") {
		t.Fatalf("a text file as health document: %q", f.Error.Text)
	}
	pdf := ansPDF(t)
	f.SetPDF("vaccination-grippe.pdf", pdf)
	test.Tap(f.Add)
	if f.Error.Visible() || c.HealthForm != nil {
		t.Fatalf("the document was not attached: %q", f.Error.Text)
	}
	if !c.HealthList.Visible() || !strings.Contains(c.HealthList.Text, "ROUSSEL Camille") ||
		!strings.Contains(c.HealthList.Text, "Compte rendu de vaccination (vaccination-grippe.pdf)") {
		t.Fatalf("the composer lists %q", c.HealthList.Text)
	}
	test.Tap(c.Send)
	h.WaitText("Message envoyé")

	p := received(t, h, doctor, "voici le compte rendu de la vaccination")
	if want := "XDM/1.0/DDM+Note de vaccination ROUSSEL Camille 12/04/1985"; p.Subject != want {
		t.Errorf("subject %q, want %q", p.Subject, want)
	}
	names := attachmentNames(p)
	pdfName := regexp.MustCompile(`^\d{8}_Note-de-vaccination_ROUSSEL_Camille\.pdf$`)
	if !slices.Contains(names, "IHE_XDM.ZIP") || !slices.ContainsFunc(names, pdfName.MatchString) {
		t.Errorf("attachments %q: want IHE_XDM.ZIP and the ECO.2.1.6 PDF copy", names)
	}
	if !slices.Equal(p.MSS.CodeCDA, []string{"87273-9"}) || p.MSS.INS != "O" {
		t.Errorf("X-MSS-CODECDA %q, X-MSS-INS %q: want 87273-9 and O", p.MSS.CodeCDA, p.MSS.INS)
	}
	if p.XDM == nil || p.XDM.Patient.ID != camille.ins || len(p.XDM.Documents) != 1 {
		t.Fatalf("the archive: %+v (%v)", p.XDM, p.XDMError)
	}
	d := p.XDM.Documents[0]
	if d.CDA == nil || d.CDA.Code.Code != "87273-9" || !bytes.Equal(d.PDF, pdf) || !d.Intact() {
		t.Errorf("the CDA: header %+v, PDF kept %v, intact %v", d.CDA, bytes.Equal(d.PDF, pdf), d.Intact())
	}
	if d.Author.Family != "BONNEFOY" || d.Author.ID != cpstest.Titulaire.NationalID || d.Author.Org != cpstest.Pharmacie.StructureName {
		t.Errorf("the document's author %+v: want the card holder in the pharmacy", d.Author)
	}
}

// Forwarding the doctor's report from the app keeps its documents and the patient: the
// archive byte for byte, the XDM/1.0/DDM+ subject, X-MSS-CODECDA, and X-MSS-INS from the
// pharmacy's own patient book (N while Camille's INS is not qualified there, then O).
func TestForwardKeepsTheHealthDocuments(t *testing.T) {
	hospital := sandbox.Seed(sandbox.DefaultDomain).Hospital
	h := openBAL(t, cpstest.Titulaire.Label, pharmacy)
	h.WaitText("● En ligne")
	openRow(t, h, "Compte rendu de consultation")
	var original []byte
	forward := func(text string) *msg.Parsed {
		t.Helper()
		openRow(t, h, "Compte rendu de consultation")
		test.Tap(h.UI.Main.ForwardButton)
		h.WaitFor("the composer", func() bool { return len(h.UI.Composers()) == 1 })
		c := h.UI.Composers()[0]
		if !c.HealthList.Visible() || !strings.Contains(c.HealthList.Text, "ROUSSEL Camille") {
			t.Fatalf("the forward does not show the health documents: %q", c.HealthList.Text)
		}
		c.To.SetText(hospital)
		c.Body.SetText(text)
		test.Tap(c.Send)
		h.WaitFor("the composer closed", func() bool { return len(h.UI.Composers()) == 0 })
		return received(t, h, hospital, text)
	}
	check := func(p *msg.Parsed, ins string) {
		t.Helper()
		if !strings.HasPrefix(p.Subject, "XDM/1.0/DDM+") || !strings.Contains(p.Subject, "Compte rendu de consultation") {
			t.Errorf("forwarded subject %q", p.Subject)
		}
		if !slices.Contains(attachmentNames(p), "IHE_XDM.ZIP") || p.XDM == nil || p.XDM.Patient.ID != camille.ins {
			t.Errorf("forwarded attachments %q, archive %v", attachmentNames(p), p.XDMError)
		}
		if !slices.Equal(p.MSS.CodeCDA, []string{"11488-4"}) || p.MSS.INS != ins {
			t.Errorf("X-MSS-CODECDA %q, X-MSS-INS %q: want 11488-4 and %s", p.MSS.CodeCDA, p.MSS.INS, ins)
		}
		zip, err := p.Open(p.XDMIndex)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		_, _ = got.ReadFrom(zip)
		if original == nil {
			original = got.Bytes()
		} else if !bytes.Equal(original, got.Bytes()) {
			t.Error("the archive changed between two forwards")
		}
	}
	p := forward("Pour information : compte rendu, INS non qualifié ici.")
	check(p, "N")
	qualify(t, h, camille)
	p = forward("Pour information : compte rendu, INS qualifié.")
	check(p, "O")
}

// A patient address typed in To is not sent: it opens the patient book's flow (the
// qualification form for a patient unknown or not qualified there, then the identity check),
// and the message leaves once the identity is confirmed.
func TestTypedPatientAddressNeedsTheBook(t *testing.T) {
	h := start(t, cpstest.Titulaire.Label)
	openMail(t, h)
	h.WaitText("● En ligne")
	test.Tap(h.UI.Main.NewButton)
	h.WaitFor("the composer", func() bool { return len(h.UI.Composers()) == 1 })
	c := h.UI.Composers()[0]
	body := "Bonjour M. Perrin, votre traitement est prêt."
	c.Subject.SetText("Traitement prêt")
	c.Body.SetText(body)

	// A wrong key: refused at once, in French.
	c.To.SetText(henri.ins[:13] + "00@" + patient.Domain)
	test.Tap(c.Send)
	if !c.Error.Visible() || !strings.Contains(c.Error.Text, "n'est pas une adresse de patient valide") {
		t.Fatalf("a patient address with a wrong key: %q", c.Error.Text)
	}

	addr := strings.ToLower(henri.ins) + "@" + patient.Domain
	c.To.SetText(addr)
	h.WaitText("Boîte d'envoi : 0") // what earlier tests queued has left
	outbox := outboxText(h)
	test.Tap(c.Send)
	if c.PatientForm == nil || !strings.Contains(c.Error.Text, "n'a pas d'INS qualifié") {
		t.Fatalf("typing a patient address did not open the qualification form: %q", c.Error.Text)
	}
	h.Drain()
	if got := outboxText(h); got != outbox || len(h.UI.Composers()) != 1 || patientMessage(t, henri.ins, body) != nil {
		t.Fatalf("the message left before the patient was qualified (outbox %q, was %q)", got, outbox)
	}
	if c.PatientForm.INS.Text != henri.ins || !c.PatientForm.INS.Disabled() {
		t.Fatalf("the form is not on the typed INS: %q", c.PatientForm.INS.Text)
	}
	fillPatientForm(t, c.PatientForm, henri, true)
	t.Cleanup(func() { setQualified(t, h, henri, false) })
	ic := c.Identity
	if ic == nil {
		t.Fatal("no identity check after the qualification")
	}
	if patientMessage(t, henri.ins, body) != nil {
		t.Fatal("the message left before the identity was confirmed")
	}
	ic.Birth.SetText("21/02/1949")
	ic.Sex.SetSelected(henri.sex.Label())
	test.Tap(ic.OK)
	if !strings.Contains(ic.Error.Text, "ne correspondent pas") {
		t.Fatalf("a wrong birth date: %q", ic.Error.Text)
	}
	ic.Birth.SetText(henri.birth)
	test.Tap(ic.OK)
	h.WaitText("Message envoyé")
	h.WaitFor("the message at Mon Espace Santé", func() bool { return patientMessage(t, henri.ins, body) != nil })
}
