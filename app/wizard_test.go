package app_test

import (
	"context"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"software.sslmate.com/src/go-pkcs12"

	"comptoir/app"
	"comptoir/app/annuaire"
	"comptoir/app/apptest"
	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cps/cpstest"
	"comptoir/mail/provisioning"
)

var (
	domain    = sandbox.DefaultDomain
	titulaire = "elise.bonnefoy@" + domain
	pharmacy  = "pharmacie-des-tilleuls-69003-lyon@" + domain
)

// balButton returns the switcher's button of the BAL addr.
func balButton(h *apptest.Harness, addr string) *app.TipButton {
	if h.UI.Main == nil {
		return nil
	}
	return h.UI.Main.BALButton(addr)
}

// openMailbox opens the mailbox from the holder screen, when the login stopped there.
func openMailbox(t *testing.T, h *apptest.Harness) {
	t.Helper()
	if h.UI.Main == nil {
		test.Tap(h.UI.Card.OpenButton)
	}
	h.WaitFor("the main window", func() bool { return h.UI.Main != nil })
}

// The whole life of the pharmacy's BALs, as its staff lives it: the titulaire creates her
// personal BAL, then the pharmacy's ORG BAL (pending, then active after the validation
// delay, then in the BAL switcher); the préparateur cannot create the ORG BAL and is told
// why; the titulaire makes him Utilisateur; he then opens the ORG BAL but not its roles
// screen; the last Administrateur cannot be removed; another pharmacist's request for the
// same pharmacy is refused, the structure's address coming from the directory.
func TestBALWizardAndRoles(t *testing.T) {
	t.Run("titulaire creates her PER BAL, then the pharmacy's ORG BAL", testTitulaireCreates)
	t.Run("préparateur cannot create the ORG BAL", testPreparateurRefused)
	t.Run("admin makes the préparateur Utilisateur; the last admin stays", testRoles)
	t.Run("préparateur opens the ORG BAL, not its roles screen", testPreparateurUser)
	t.Run("the Administrateur asks for the APP BAL with the pharmacy's certificate", testAPP)
	t.Run("a second request for the pharmacy is refused", testSecondPharmacist)
	t.Run("a homonym already holds maxime.lebreton@", testHomonym)
	t.Run("préparateur asks for his PER BAL (homonym) and leaves", testPreparateurAsksPER)
	t.Run("the pending BAL is watched again at the next login", testPendingAfterLogin)
}

// perPrep is the préparateur's PER BAL: his name's address is a homonym's already.
var perPrep = "maxime.lebreton2@" + domain

// testHomonym gives "maxime.lebreton@" to another professional of the same name (a
// software identity of the test PKI, straight through the provisioning API).
func testHomonym(t *testing.T) {
	other := cpstest.Person{NationalID: cpstest.Medecin.NationalID, Surname: "LEBRETON", GivenName: "Maxime", Profession: "Médecin"}
	pki := world.env.PKI
	tlsCert, err := pki.PersonCertificate(other)
	if err != nil {
		t.Fatal(err)
	}
	sigCert, sigKey, err := pki.IssuePersonSignature(other)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := provisioning.New(provisioning.Config{BaseURL: world.env.Sandbox.APIURL(), Certificate: tlsCert, RootCAs: pki.RootPool()})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	b, err := cl.CreateBAL(context.Background(), provisioning.CreateRequest{Kind: provisioning.KindPER, CGUVersion: sandbox.CurrentCGU,
		HolderID: other.NationalID}, sigKey, sigCert)
	if err != nil || b.Address != "maxime.lebreton@"+domain {
		t.Fatalf("the homonym's BAL: %+v %v", b, err)
	}
}

func testPreparateurAsksPER(t *testing.T) {
	h := startUI(t, cpstest.Preparateur.Label)
	w := openWizard(t, h)
	w.Kind.SetSelected(w.Kind.Options[1])
	nextTo(t, h, w, app.StepCGU)
	test.Tap(w.Accept)
	nextTo(t, h, w, app.StepCard)
	nextTo(t, h, w, app.StepAddress)
	if w.Address.Text != "maxime.lebreton@"+domain {
		t.Fatalf("PER address %q", w.Address.Text)
	}
	// Taken: said on this step, with the operator's suggestion, before the card signs
	// anything (it used to come after the last step).
	test.Tap(w.NextButton)
	h.WaitFor("the homonym's suggestion", func() bool { return !w.NextButton.Disabled() && w.Error.Visible() })
	if w.Step != app.StepAddress || w.Address.Text != perPrep || !strings.Contains(w.Error.Text, "L'opérateur propose "+perPrep) {
		t.Fatalf("homonym: step %d, address %q, message %q", w.Step, w.Address.Text, w.Error.Text)
	}
	nextTo(t, h, w, app.StepVerify)
	waitWiz(t, h, w, "Adresse : "+perPrep)
	nextTo(t, h, w, app.StepDone)
	waitWiz(t, h, w, "La boîte aux lettres "+perPrep+" est en attente")
	// The UI closes now, long before the validation delay.
}

func testPendingAfterLogin(t *testing.T) {
	h := startUI(t, cpstest.Preparateur.Label)
	per := perPrep
	// The ORG BAL opens at once; the PER BAL shows pending in the switcher.
	openMailbox(t, h)
	if b := balButton(h, per); b == nil || !strings.Contains(b.Text, "en attente de validation") || !b.Disabled() {
		t.Fatal("the PER BAL is not shown pending at login (or the validation delay is too short for this machine)")
	}
	want := fyne.NewNotification("Boîte aux lettres active",
		"La boîte aux lettres "+per+" est active : elle est validée par l'ANS et publiée dans l'Annuaire Santé.")
	test.AssertNotificationSent(t, want, func() {
		h.WaitFor("the PER BAL usable in the switcher", func() bool {
			b := balButton(h, per)
			return b != nil && !b.Disabled()
		})
	})
}

func testTitulaireCreates(t *testing.T) {
	h := startUI(t, cpstest.Titulaire.Label)
	h.WaitText("Aucune boîte aux lettres n'est accessible avec cette carte.")
	if menuItem(h, "Droits sur la BAL de l'officine…") != nil {
		t.Fatal("the roles entry shows before any ORG BAL exists")
	}

	// PER BAL, from the card screen (the holder has no BAL yet).
	w := openWizard(t, h)
	if !strings.Contains(wizText(w), "fortement préconisée") {
		t.Fatalf("the ORG choice is not marked « fortement préconisée »:\n%s", wizText(w))
	}
	w.Kind.SetSelected(w.Kind.Options[1]) // Personnelle
	nextTo(t, h, w, app.StepCGU)
	waitWiz(t, h, w, "Conditions générales d'utilisation de la messagerie sécurisée de santé — version 2026.1")
	if !w.NextButton.Disabled() {
		t.Fatal("« Suivant » is enabled before « J'ai lu et j'accepte les CGU » is ticked")
	}
	test.Tap(w.Accept)
	nextTo(t, h, w, app.StepCard)
	waitWiz(t, h, w, "Titulaire : Élise BONNEFOY")
	waitWiz(t, h, w, "RPPS : "+cpstest.Titulaire.NationalID[1:])
	nextTo(t, h, w, app.StepAddress)
	if w.Address.Text != titulaire {
		t.Fatalf("PER address %q, want %q", w.Address.Text, titulaire)
	}
	nextTo(t, h, w, app.StepVerify)
	waitWiz(t, h, w, "Vérifiez puis confirmez")
	nextTo(t, h, w, app.StepDone)
	waitWiz(t, h, w, "en attente de validation par l'ANS et d'intégration dans l'Annuaire Santé (24 h minimum)")
	test.Tap(w.NextButton) // Fermer

	// Active after the delay: notified, listed on the card screen, and the mail opens.
	want := fyne.NewNotification("Boîte aux lettres active",
		"La boîte aux lettres "+titulaire+" est active : elle est validée par l'ANS et publiée dans l'Annuaire Santé.")
	test.AssertNotificationSent(t, want, func() {
		h.WaitFor("the PER BAL active", func() bool { return !h.UI.Card.OpenButton.Disabled() })
	})
	h.WaitText("Personnelle — " + titulaire)
	test.Tap(h.UI.Card.OpenButton)
	h.WaitFor("the main window with the PER BAL", func() bool { return balButton(h, titulaire) != nil })

	// ORG BAL, from the main window.
	w = openWizard(t, h)
	if w.Kind.Selected != w.Kind.Options[0] {
		t.Fatalf("the ORG kind is not the default: %q", w.Kind.Selected)
	}
	nextTo(t, h, w, app.StepCGU)
	test.Tap(w.Accept)
	nextTo(t, h, w, app.StepCard)
	waitWiz(t, h, w, "PHARMACIE DES TILLEULS — FINESS 690999123")
	nextTo(t, h, w, app.StepAddress)
	// The unseeded directory does not list the pharmacy yet: the user types what is missing.
	waitWiz(t, h, w, "n'est pas dans l'Annuaire Santé importé")
	test.Type(w.PostalCode, "6900")
	test.Type(w.Town, "Lyon")
	test.Tap(w.NextButton)
	h.Drain()
	if w.Step != app.StepAddress || !strings.Contains(w.Error.Text, "Le code postal doit compter 5 chiffres.") {
		t.Fatalf("a 4-digit postal code: step %d, error %q", w.Step, w.Error.Text)
	}
	test.Type(w.PostalCode, "3")
	if w.Address.Text != pharmacy {
		t.Fatalf("ORG address %q, want %q", w.Address.Text, pharmacy)
	}
	nextTo(t, h, w, app.StepVerify)
	for _, s := range []string{"Titulaire : Élise BONNEFOY", "Structure : PHARMACIE DES TILLEULS (FINESS 690999123)",
		"Adresse : " + pharmacy, "CGU acceptées : version 2026.1"} {
		waitWiz(t, h, w, s)
	}
	// Every step can go back, and forth again.
	test.Tap(w.BackButton)
	h.WaitFor("back to the address step", func() bool { return w.Step == app.StepAddress })
	if w.PostalCode.Text != "69003" {
		t.Fatalf("going back lost the postal code: %q", w.PostalCode.Text)
	}
	nextTo(t, h, w, app.StepVerify)
	nextTo(t, h, w, app.StepDone)
	waitWiz(t, h, w, "La boîte aux lettres "+pharmacy+" est en attente de validation")
	// Pending, it shows in the switcher with its state, and does not open yet.
	h.WaitFor("the pending BAL in the switcher", func() bool {
		b := balButton(h, pharmacy)
		return b != nil && b.Disabled() && strings.Contains(b.Text, "en attente de validation")
	})
	want = fyne.NewNotification("Boîte aux lettres active",
		"La boîte aux lettres "+pharmacy+" est active : elle est validée par l'ANS et publiée dans l'Annuaire Santé.")
	test.AssertNotificationSent(t, want, func() {
		h.WaitFor("the ORG BAL active in the switcher", func() bool {
			b := balButton(h, pharmacy)
			return b != nil && !b.Disabled()
		})
	})
	// Usable: it opens, and its creator may manage its roles.
	test.Tap(balButton(h, pharmacy))
	h.WaitFor("the ORG BAL selected", func() bool {
		return balButton(h, pharmacy).Importance == widget.HighImportance
	})
	h.WaitText("Boîte de réception")
	if menuItem(h, "Droits sur la BAL de l'officine…") == nil {
		t.Fatal("the Administrateur has no « Droits sur la BAL de l'officine… » entry")
	}
}

func testPreparateurRefused(t *testing.T) {
	h := startUI(t, cpstest.Preparateur.Label)
	w := openWizard(t, h)
	nextTo(t, h, w, app.StepCGU)
	test.Tap(w.Accept)
	nextTo(t, h, w, app.StepCard)
	waitWiz(t, h, w, "Titulaire : Maxime LEBRETON")
	waitWiz(t, h, w, "Seul un pharmacien (le titulaire de l'officine) peut créer la BAL organisationnelle de l'officine.")
	if !w.NextButton.Disabled() {
		t.Fatal("a préparateur can go on with an ORG BAL")
	}
	// Cancelling leaves nothing: no window, no BAL at the operator.
	test.Tap(w.Cancel)
	h.Drain()
	for _, win := range h.A.Driver().AllWindows() {
		if win.Title() == "Créer une boîte aux lettres" {
			t.Fatal("the wizard window is still open after « Annuler »")
		}
	}
}

// roles opens the roles screen from the menu entry and waits for its members.
func roles(t *testing.T, h *apptest.Harness, n int) *app.RolesScreen {
	t.Helper()
	if menuItem(h, "Droits sur la BAL de l'officine…") == nil {
		t.Fatal("no « Droits sur la BAL de l'officine… » in the menu")
	}
	r := h.UI.ShowRoles()
	if r == nil {
		t.Fatalf("the roles screen did not open:\n%s", strings.Join(h.Visible(), "\n"))
	}
	h.WaitFor("the members", func() bool { return len(r.Rows) == n })
	return r
}

func testRoles(t *testing.T) {
	h := startUI(t, cpstest.Titulaire.Label)
	openMailbox(t, h)
	h.WaitFor("the main window", func() bool { return balButton(h, pharmacy) != nil })
	r := roles(t, h, 1)
	me := r.Rows[0]
	if me.Member.NationalID != cpstest.Titulaire.NationalID || me.Member.Role != app.RoleAdmin {
		t.Fatalf("first member %+v", me.Member)
	}
	// The last Administrateur: shown, but every change and the removal are disabled, with why.
	if !me.Remove.Disabled() || !me.Roles[app.RoleManager].Disabled() || !me.Roles[app.RoleUser].Disabled() {
		t.Fatal("the last Administrateur can be removed or demoted")
	}
	if !me.Reason.Visible() || !strings.Contains(me.Reason.Text, "Il doit rester au moins un administrateur") {
		t.Fatalf("no explanation for the last Administrateur: %q", me.Reason.Text)
	}
	texts := strings.Join(apptest.WindowTexts(r.Window), "\n")
	for _, s := range []string{"Votre rôle : Administrateur", "Élise BONNEFOY", "Identifiant national " + cpstest.Titulaire.NationalID} {
		if !strings.Contains(texts, s) {
			t.Fatalf("the roles screen lacks %q:\n%s", s, texts)
		}
	}
	// A wrong national id is caught before asking the operator.
	test.Type(r.ID, "12345")
	test.Tap(r.Add[app.RoleUser])
	if !strings.Contains(r.Error.Text, "Identifiant national invalide") {
		t.Fatalf("bad id: %q", r.Error.Text)
	}
	// Add the préparateur by national id, as Utilisateur.
	r.ID.SetText(cpstest.Preparateur.NationalID)
	r.Name.SetText("Maxime LEBRETON")
	test.Tap(r.Add[app.RoleUser])
	h.WaitFor("two members", func() bool { return len(r.Rows) == 2 })
	var prep *app.MemberRow
	for _, row := range r.Rows {
		if row.Member.NationalID == cpstest.Preparateur.NationalID {
			prep = row
		}
	}
	if prep == nil || prep.Member.Role != app.RoleUser || prep.Remove.Disabled() || prep.Roles[app.RoleManager].Disabled() {
		t.Fatalf("the préparateur's row: %+v", prep)
	}
	if !strings.Contains(r.Status.Text, "Maxime LEBRETON a désormais le rôle Utilisateur.") {
		t.Fatalf("status %q", r.Status.Text)
	}
	// Since when each has access, as a French date: the titulaire since she created the ORG
	// BAL, the préparateur since just now.
	for _, row := range r.Rows {
		since := row.Member.Since
		if since.IsZero() || time.Since(since) > time.Hour || time.Until(since) > time.Minute {
			t.Fatalf("%s's access dates from %v, want this session", row.Member.Name, since)
		}
		if want := "depuis le " + since.Local().Format("02/01/2006"); !strings.Contains(row.Label.Text, want) {
			t.Fatalf("%s's row %q lacks %q", row.Member.Name, row.Label.Text, want)
		}
	}
	texts = strings.Join(apptest.WindowTexts(r.Window), "\n")
	if !strings.Contains(texts, "depuis le "+time.Now().Format("02/01/2006")) && !strings.Contains(texts, "depuis le "+time.Now().Add(-time.Hour).Format("02/01/2006")) {
		t.Fatalf("the roles screen shows no date of access:\n%s", texts)
	}
	r.Window.Close()
}

func testPreparateurUser(t *testing.T) {
	h := startUI(t, cpstest.Preparateur.Label)
	openMailbox(t, h)
	h.WaitFor("the ORG BAL in the switcher", func() bool { return balButton(h, pharmacy) != nil })
	test.Tap(balButton(h, pharmacy))
	h.WaitText("Boîte de réception")
	if menuItem(h, "Droits sur la BAL de l'officine…") != nil {
		t.Fatal("an Utilisateur sees « Droits sur la BAL de l'officine… »")
	}
	if r := h.UI.ShowRoles(); r != nil {
		t.Fatal("an Utilisateur opened the roles screen")
	}
	h.WaitText("Seuls les administrateurs et les gestionnaires de la BAL de l'officine gèrent ses droits d'accès.")
}

func testSecondPharmacist(t *testing.T) {
	// The ORG BAL is active, so the operator publishes it: import the directory.
	if _, err := annuaire.Import(context.Background(), world.env.Sandbox.DirectoryPath(), directoryPath(), annuaire.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	h := startUI(t, cpstest.PharmacienCPS3.Label)
	w := openWizard(t, h)
	nextTo(t, h, w, app.StepCGU)
	test.Tap(w.Accept)
	nextTo(t, h, w, app.StepCard)
	nextTo(t, h, w, app.StepAddress)
	waitWiz(t, h, w, "trouvée dans l'Annuaire Santé")
	if w.PostalCode.Text != "69003" || w.Town.Text != "Lyon" || w.Address.Text != pharmacy {
		t.Fatalf("from the directory: %q %q → %q", w.PostalCode.Text, w.Town.Text, w.Address.Text)
	}
	// The operator says so on the address step, before the card signs anything.
	test.Tap(w.NextButton)
	h.WaitFor("the refusal", func() bool { return !w.NextButton.Disabled() && w.Error.Visible() })
	if w.Step != app.StepAddress || !strings.Contains(w.Error.Text, "Cette BAL existe déjà : "+pharmacy) {
		t.Fatalf("refusal: step %d, message %q", w.Step, w.Error.Text)
	}
}

func testAPP(t *testing.T) {
	org, err := world.env.PKI.IssueOrganisation("PHARMACIE DES TILLEULS", cpstest.Pharmacie.StructureID)
	if err != nil {
		t.Fatal(err)
	}
	inter, _ := x509.ParseCertificate(org.Certificate[1])
	data, err := pkcs12.Modern.Encode(org.PrivateKey, org.Leaf, []*x509.Certificate{inter}, "secret")
	if err != nil {
		t.Fatal(err)
	}
	p12 := filepath.Join(t.TempDir(), "officine.p12")
	if err := os.WriteFile(p12, data, 0o600); err != nil {
		t.Fatal(err)
	}
	h := startUI(t, cpstest.Titulaire.Label)
	w := openWizard(t, h)
	w.Kind.SetSelected(w.Kind.Options[2]) // Applicative
	nextTo(t, h, w, app.StepCGU)
	test.Tap(w.Accept)
	nextTo(t, h, w, app.StepCard)
	h.WaitFor("the role check", func() bool { return !w.NextButton.Disabled() })
	// The .p12 is chosen with the file picker.
	test.Tap(w.CertBrowse)
	h.WaitFor("the file picker", func() bool { return w.CertDialog != nil })
	w.CertDialog.SetLocation(mustLister(t, filepath.Dir(p12)))
	h.Drain()
	chooseFile(t, h, w.Window, "officine")
	if w.CertFile.Text != p12 {
		t.Fatalf("the picker filled %q, want %q", w.CertFile.Text, p12)
	}
	// A wrong password keeps the user on the card step, with why.
	w.CertPass.SetText("wrong")
	test.Tap(w.NextButton)
	h.Drain()
	if w.Step != app.StepCard || !strings.Contains(w.Error.Text, "certificat logiciel de structure lisible avec ce mot de passe") {
		t.Fatalf("wrong password: step %d, %q", w.Step, w.Error.Text)
	}
	w.CertPass.SetText("secret")
	nextTo(t, h, w, app.StepAddress)
	want := "app-pharmacie-des-tilleuls-690999123@" + domain
	if w.Address.Text != want || w.PostalCode.Text != "69003" {
		t.Fatalf("APP address %q (postal code %q)", w.Address.Text, w.PostalCode.Text)
	}
	nextTo(t, h, w, app.StepVerify)
	waitWiz(t, h, w, "Certificat logiciel : PHARMACIE DES TILLEULS (1690999123)")
	nextTo(t, h, w, app.StepDone)
	waitWiz(t, h, w, "La boîte aux lettres "+want+" est en attente de validation")
}

func mustLister(t *testing.T, dir string) fyne.ListableURI {
	t.Helper()
	l, err := storage.ListerForURI(storage.NewFileURI(dir))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// chooseFile taps the file named name (shown with or without its extension) in the open
// file dialog of win, then its confirmation button.
func chooseFile(t *testing.T, h *apptest.Harness, win fyne.Window, name string) {
	t.Helper()
	var item fyne.Tappable
	h.WaitFor("the file "+name+" in the picker", func() bool {
		item = nil
		for _, o := range win.Canvas().Overlays().List() {
			findTappable(o, nil, name, &item)
		}
		return item != nil
	})
	item.Tapped(&fyne.PointEvent{})
	h.Drain()
	var confirm *widget.Button
	for _, o := range win.Canvas().Overlays().List() {
		findButton(o, "Choisir…", &confirm)
	}
	if confirm == nil {
		t.Fatal("no enabled « Choisir… » in the picker")
	}
	test.Tap(confirm)
	h.Drain()
}

// findTappable sets *found to the innermost tappable object holding a text starting with
// name.
func findTappable(o fyne.CanvasObject, tap fyne.Tappable, name string, found *fyne.Tappable) {
	if o == nil || !o.Visible() || *found != nil {
		return
	}
	if tp, ok := o.(fyne.Tappable); ok {
		tap = tp
	}
	switch w := o.(type) {
	case *widget.Label:
		if strings.HasPrefix(w.Text, name) && tap != nil {
			*found = tap
		}
	case *canvas.Text:
		if strings.HasPrefix(w.Text, name) && tap != nil {
			*found = tap
		}
	case *fyne.Container:
		for _, c := range w.Objects {
			findTappable(c, tap, name, found)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(w).Objects() {
			findTappable(c, tap, name, found)
		}
	}
}

// findButton sets *found to the visible, enabled button labelled label under o.
func findButton(o fyne.CanvasObject, label string, found **widget.Button) {
	if o == nil || !o.Visible() || *found != nil {
		return
	}
	switch w := o.(type) {
	case *widget.Button:
		if w.Text == label && !w.Disabled() {
			*found = w
		}
	case *fyne.Container:
		for _, c := range w.Objects {
			findButton(c, label, found)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(w).Objects() {
			findButton(c, label, found)
		}
	}
}
