package demo_test

import (
	"bytes"
	"context"
	"crypto"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"comptoir/app"
	"comptoir/app/apptest"
	"comptoir/app/bridge"
	"comptoir/app/config"
	"comptoir/app/demo"
	"comptoir/app/pdfview"
	"comptoir/app/pdfview/pdftest"
	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cps/cpstest"
	"comptoir/mail"
	"comptoir/store"
)

// env is one demo world for the whole package: SoftHSM reads its configuration once per
// process, so every test shares the cards (and the sandbox, whose seed they read).
var env *demo.Env

// childEnv makes this test binary a PDF renderer child (pdfview.Serve), for the tests
// that render in child processes as the application does.
const childEnv = "COMPTOIR_PDFVIEW_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "serve" {
		if err := pdfview.Serve(context.Background(), os.Stdin, os.Stdout, pdftest.CacheDir()); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	// Compile PDFium into the cache before any test: a fresh clone would otherwise spend
	// the first preview's wait on it (seconds, minutes under -race).
	if err := apptest.WarmPDFium(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	dir, err := os.MkdirTemp("", "comptoir-demo-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx, cancel := context.WithCancel(context.Background())
	env, err = demo.Start(ctx, demo.Options{
		Dir:   dir,
		Cards: []string{cpstest.Titulaire.Label, cpstest.Medecin.Label},
		NIL:   "Comptoir/test",
		Watch: 100 * time.Millisecond,
		// The engine's and the sandbox's warnings (a session that ended, a push refused):
		// go test shows them when the package fails, next to the window's text.
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Engine: func(c *mail.EngineConfig) { c.MinBackoff, c.MaxBackoff = 100*time.Millisecond, 300*time.Millisecond },
		Sandbox: func(o *sandbox.Options) {
			// What reaches the operator's provisioning API is recorded (TestLock…).
			o.WrapAPI = operator.wrap
			// Short e-CPS requests and access tokens: the PSC tests see them expire and refresh.
			o.PSC = sandbox.PSCOptions{CIBAExpiry: pscCIBAExpiry, CIBAInterval: time.Second, AccessTTL: pscAccessTTL}
		},
	})
	if err != nil {
		// A missing SoftHSM2 is a failure that says what to install (cpstest's message).
		fmt.Fprintln(os.Stderr, "demo world:", err)
		os.Exit(1)
	}
	code := m.Run()
	env.Close()
	cancel()
	os.RemoveAll(dir)
	os.Exit(code)
}

var pharmacy = sandbox.Seed(sandbox.DefaultDomain).Pharmacy

// start opens the UI on the demo world with the card labelled label selected.
func start(t *testing.T, label string) *apptest.Harness {
	t.Helper()
	return startDeps(t, label, nil)
}

// startDeps opens the UI on the demo world, deps adjusted by adjust (nil: as they are), with
// the card labelled label selected.
func startDeps(t *testing.T, label string, adjust func(*app.Deps)) *apptest.Harness {
	t.Helper()
	deps := env.Deps()
	r := pdfview.New(pdftest.CacheDir())
	t.Cleanup(func() { r.Close() })
	deps.PDF = r
	deps.Version = "test"
	deps.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if adjust != nil {
		adjust(&deps)
	}
	h := apptest.New(t, deps)
	selectCard(h, label)
	return h
}

// openMail logs in with the right PIN: the holder has one practice situation, so the
// mailbox opens at once.
func openMail(t testing.TB, h *apptest.Harness) {
	t.Helper()
	h.Login(demo.PIN)
	h.WaitFor("the main window", func() bool { return h.UI.Main != nil })
}

// openBAL logs in with the card labelled label and opens the BAL addr, as a counter does.
func openBAL(t *testing.T, label, addr string) *apptest.Harness {
	t.Helper()
	h := start(t, label)
	openMail(t, h)
	selectBAL(t, h, addr)
	return h
}

// selectBAL taps the switcher's button of the BAL addr.
func selectBAL(t testing.TB, h *apptest.Harness, addr string) {
	t.Helper()
	var btn *app.TipButton
	h.WaitFor("the BAL button "+addr, func() bool {
		btn = h.UI.Main.BALButton(addr)
		return btn != nil
	})
	test.Tap(btn)
}

// openRow waits for a row whose subject contains subject, selects it and returns its sender line.
func openRow(t *testing.T, h *apptest.Harness, subject string) string {
	t.Helper()
	m := h.UI.Main
	row, from := -1, ""
	h.WaitFor("a row «"+subject+"»", func() bool {
		for i := 0; i < m.Rows(); i++ {
			f, s := m.RowText(i)
			if strings.Contains(s, subject) {
				row, from = i, f
				return true
			}
		}
		return false
	})
	m.List.Select(row)
	h.WaitText(subject)
	return from
}

func TestWrongPINThenRightPIN(t *testing.T) {
	h := start(t, cpstest.Titulaire.Label)
	h.WaitText("Carte détectée : " + cpstest.Titulaire.Label)
	h.Login("0000")
	h.WaitText("Code PIN incorrect")
	if h.UI.Card.PIN.Text != "" {
		t.Fatal("the refused PIN stays in the entry")
	}
	h.Login(demo.PIN)
	// One practice situation: nothing to choose, the mailbox opens with the holder named.
	h.WaitFor("the main window", func() bool { return h.UI.Main != nil })
	h.WaitText("Élise BONNEFOY — Pharmacien")
	for addr, name := range map[string]string{sandbox.Seed(sandbox.DefaultDomain).Titulaire: "Personnelle", pharmacy: "Officine"} {
		if b := h.UI.Main.BALButton(addr); b == nil || !strings.HasPrefix(b.Text, name) {
			t.Errorf("the switcher's button of %s: %v", addr, b)
		}
	}
}

func TestORGBALOnlyForHabilitatedCards(t *testing.T) {
	h := start(t, cpstest.Medecin.Label)
	h.Login(demo.PIN)
	h.WaitText("Officine — " + sandbox.Seed(sandbox.DefaultDomain).Hospital)
	if h.Shows(pharmacy) {
		t.Fatalf("a doctor's card sees the pharmacy's BAL:\n%s", strings.Join(h.Visible(), "\n"))
	}
}

func TestReadThePatientsPrescription(t *testing.T) {
	h := openBAL(t, cpstest.Titulaire.Label, pharmacy)
	from := openRow(t, h, "Ordonnance pour ce soir")
	if !strings.HasPrefix(from, "ROUSSEL Camille — INS ") {
		t.Fatalf("the row's sender line is %q, want the patient's name (NOM Prénom) and INS", from)
	}
	h.WaitText("Voici mon ordonnance")
	h.WaitText("Patient : ROUSSEL Camille — INS")
	h.WaitText("ordonnance.pdf")
	h.WaitText("photo_ordonnance.jpg")
	// The PDF is shown first, rendered by PDFium.
	h.WaitText("Page 1 / 1")
	if img := h.UI.Main.Reader.Preview.Image.Image; img == nil || img.Bounds().Dx() < 300 {
		t.Fatal("no rendered PDF page in the preview")
	}
	// The photo is previewed in the app.
	test.Tap(h.UI.Main.Reader.Attachments[1].PreviewButton)
	h.WaitFor("the photo's preview", func() bool { return h.UI.Main.Reader.Preview.Title.Text == "photo_ordonnance.jpg" })
	// The XDM prefix is hidden from the list.
	for i := 0; i < h.UI.Main.Rows(); i++ {
		if _, s := h.UI.Main.RowText(i); strings.Contains(s, "XDM/1.0") {
			t.Fatalf("row %d shows the XDM prefix: %q", i, s)
		}
	}
}

func TestReplyToThePatient(t *testing.T) {
	h := openBAL(t, cpstest.Titulaire.Label, pharmacy)
	openRow(t, h, "Médicament en stock")
	test.Tap(h.UI.Main.ReplyButton)
	h.WaitFor("the composer", func() bool { return len(h.UI.Composers()) == 1 })
	c := h.UI.Composers()[0]
	if !strings.HasPrefix(c.Subject.Text, "Re: ") || !strings.Contains(c.To.Text, "@patient.mssante.fr") {
		t.Fatalf("reply: subject %q to %q", c.Subject.Text, c.To.Text)
	}
	c.Body.SetText("Bonjour, oui : l'amoxicilline 500 mg est en stock. À ce midi.")
	test.Tap(c.NoReply)
	test.Tap(c.Send)
	h.WaitText("Message envoyé")
	patient := strings.TrimSuffix(strings.TrimPrefix(c.To.Text[strings.Index(c.To.Text, "<")+1:], ""), ">")
	msgs, err := env.Sandbox.Messages(patient)
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	for _, m := range msgs {
		if bytes.Contains(m, []byte("est en stock")) {
			got = m
		}
	}
	if got == nil {
		t.Fatalf("the patient %s did not receive the reply", patient)
	}
	for _, want := range []string{"In-Reply-To:", "References:", "X-MSS-MES: FIN", "X-MSS-NIL: Comptoir/test"} {
		if !bytes.Contains(got, []byte(want)) {
			t.Errorf("the reply lacks %q", want)
		}
	}
}

func TestSendOfflineThenReconnect(t *testing.T) {
	h := start(t, cpstest.Titulaire.Label)
	openMail(t, h)
	h.WaitText("● En ligne")
	env.SetNetwork(false)
	t.Cleanup(func() { env.SetNetwork(true) })
	h.WaitText("○ Hors ligne")
	// Messages refused earlier (by other tests) may wait in the outbox: count from here.
	var before int
	if _, err := fmt.Sscanf(h.UI.Main.Status.Outbox.Text, "Boîte d'envoi : %d", &before); err != nil {
		t.Fatalf("outbox label %q", h.UI.Main.Status.Outbox.Text)
	}
	test.Tap(h.UI.Main.NewButton)
	h.WaitFor("the composer", func() bool { return len(h.UI.Composers()) == 1 })
	c := h.UI.Composers()[0]
	doctor := sandbox.Seed(sandbox.DefaultDomain).Doctor
	subject := fmt.Sprintf("Renouvellement hors ligne %d", time.Now().UnixNano())
	c.To.SetText(doctor)
	c.Subject.SetText(subject)
	c.Body.SetText("Bonjour Docteur, pouvez-vous renouveler l'ordonnance de Mme Roussel ?")
	test.Tap(c.Send)
	h.WaitText(fmt.Sprintf("Boîte d'envoi : %d", before+1))
	env.SetNetwork(true)
	h.WaitText(fmt.Sprintf("Boîte d'envoi : %d", before))
	count := func() int {
		msgs, err := env.Sandbox.Messages(doctor)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, m := range msgs {
			if bytes.Contains(m, []byte(subject)) {
				n++
			}
		}
		return n
	}
	h.WaitFor("the message delivered", func() bool { return count() > 0 })
	// Sent once: a second pass of the engine must not submit it again.
	h.UI.Main.SyncButton.OnTapped()
	h.WaitText("● En ligne")
	if n := count(); n != 1 {
		t.Fatalf("the doctor received %d copies, want 1", n)
	}
}

func TestCardPulledLocksWithinTwoSeconds(t *testing.T) {
	h := openBAL(t, cpstest.Titulaire.Label, pharmacy)
	openRow(t, h, "Ordonnance pour ce soir")
	pulled := time.Now()
	env.PullCard()
	t.Cleanup(env.InsertCard)
	h.WaitText("La carte CPS a été retirée")
	if d := time.Since(pulled); d > 2*time.Second {
		t.Fatalf("locked %v after the card was pulled, want < 2 s", d)
	}
	if !h.UI.Locked() || h.Shows("Voici mon ordonnance") {
		t.Fatal("the message is still on screen after the card was pulled")
	}
	// The session is closed, not just hidden: the cache file is free for another opening.
	env.InsertCard()
	h.WaitText("Carte détectée : " + cpstest.Titulaire.Label)
	ctx := context.Background()
	slot, err := env.Cards.Slot(ctx, env.Module, cpstest.Titulaire.Label)
	if err != nil {
		t.Fatal(err)
	}
	card, err := env.Module.Login(ctx, slot, []byte(demo.PIN))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(env.Dir(), "cache", card.Identity().NationalID+".db"),
		card.TLSCertificate().PrivateKey.(crypto.Signer), store.Options{LockTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatalf("the cache is still held after the lock: %v", err)
	}
	st.Close()
	card.Close()
	// Unlocking needs the card and the PIN again.
	h.Login(demo.PIN)
	h.WaitFor("the unlocked mail", func() bool { return !h.UI.Locked() && h.Shows("Boîte de réception") })
}

func TestSettingsTestConnectionAndAbout(t *testing.T) {
	deps := env.Deps()
	settings := &config.Memory{}
	_ = settings.Save(config.Config{Operator: config.Operator{Domain: env.Sandbox.Domain(), IMAP: env.IMAP.Addr(),
		Submission: env.SMTP.Addr(), TrustStore: []string{env.Sandbox.TrustAnchorPath()}}})
	deps.Settings = settings
	deps.Doctor = bridge.Doctor{Module: env.Module}
	deps.Version = "test"
	h := apptest.New(t, deps)
	s := h.UI.ShowSettings()
	test.Tap(s.Test)
	h.WaitFor("the checks", func() bool { return strings.Contains(s.Results.Text, "Annuaire Santé") })
	for _, want := range []string{"✔ Lecteurs de carte", "✔ Serveur IMAP — " + env.IMAP.Addr() + " : TLS",
		"✔ Serveur SMTP de soumission — " + env.SMTP.Addr() + " : TLS"} {
		if !strings.Contains(s.Results.Text, want) {
			t.Errorf("Tester la connexion: %q missing from\n%s", want, s.Results.Text)
		}
	}
	s.Language.SetSelectedIndex(1)
	test.Tap(s.Save)
	if c, _ := settings.Load(); c.Language != "en" {
		t.Fatalf("language saved as %q", c.Language)
	}
	h.UI.ShowAbout()
	h.WaitText("Version test")
	// The next start speaks English.
	en := apptest.New(t, deps)
	en.WaitText("Sign in to Comptoir")
	en.WaitText("e-CPS (Pro Santé Connect)")
	en.WaitText("Card detected: ")
}

// « Tester la connexion » sees what the status bar sees: with the network cut it reports the
// servers unreachable (today's main opened a TCP connection to the relay and showed all green
// while the status bar said « Hors ligne »), and with the card it tries each BAL's login.
func TestTestConnectionSeesTheCutNetwork(t *testing.T) {
	deps := env.Deps()
	settings := &config.Memory{}
	_ = settings.Save(config.Config{Operator: config.Operator{Domain: env.Sandbox.Domain(), IMAP: env.IMAP.Addr(),
		Submission: env.SMTP.Addr(), TrustStore: []string{env.Sandbox.TrustAnchorPath()}}})
	deps.Settings = settings
	deps.Doctor = bridge.Doctor{Module: env.Module}
	h := apptest.New(t, deps)
	openMail(t, h)
	titulaire := sandbox.Seed(env.Sandbox.Domain()).Titulaire
	run := func() string {
		s := h.UI.ShowSettings()
		defer s.Window.Close()
		test.Tap(s.Test)
		h.WaitFor("the checks", func() bool { return strings.Contains(s.Results.Text, "Annuaire Santé") })
		return s.Results.Text
	}
	if got := run(); !strings.Contains(got, "✔ Connexion IMAP à "+titulaire) || !strings.Contains(got, "✔ Envoi (SMTP) depuis "+titulaire) {
		t.Fatalf("with the card, each BAL's login is checked:\n%s", got)
	}
	env.SetNetwork(false)
	t.Cleanup(func() { env.SetNetwork(true) })
	got := run()
	for _, want := range []string{"✘ Serveur IMAP", "connexion sécurisée refusée", "✘ Serveur SMTP de soumission"} {
		if !strings.Contains(got, want) {
			t.Errorf("with the network cut, %q missing from\n%s", want, got)
		}
	}
	if strings.Contains(got, "✔ Serveur IMAP") {
		t.Errorf("with the network cut, the IMAP server shows green:\n%s", got)
	}
}

func TestDocumentsSearchAndReadReceipt(t *testing.T) {
	h := openBAL(t, cpstest.Titulaire.Label, pharmacy)
	// An IHE XDM report: shown as the documents of one patient.
	openRow(t, h, "Compte rendu de consultation")
	h.WaitText("Documents du patient")
	h.WaitFor("the XDM documents", func() bool { return len(h.UI.Main.Reader.Documents) > 0 })
	if !strings.Contains(h.UI.Main.Reader.DocumentsTitle.Text, "INS ") {
		t.Fatalf("documents heading %q names no patient INS", h.UI.Main.Reader.DocumentsTitle.Text)
	}
	// A read-receipt request: the user is asked, and the receipt goes back.
	openRow(t, h, "Sortie d'hospitalisation")
	h.WaitText("L'expéditeur demande un accusé de lecture.")
	test.Tap(h.UI.Main.Reader.MDNSend)
	h.WaitText("Accusé de lecture envoyé")
	if h.UI.Main.Reader.MDNBar.Visible() {
		t.Fatal("the read-receipt prompt stays after sending")
	}
	// The receipt reaches the hospital as an RFC 8098 report.
	hospital := sandbox.Seed(sandbox.DefaultDomain).Hospital
	h.WaitFor("the read receipt at the hospital", func() bool {
		msgs, err := env.Sandbox.Messages(hospital)
		if err != nil {
			return false
		}
		for _, raw := range msgs {
			if bytes.Contains(raw, []byte("report-type=disposition-notification")) &&
				bytes.Contains(raw, []byte("Return-Path: <>")) {
				return true
			}
		}
		return false
	})
	// Search over the cache.
	h.UI.Main.Search.SetText("amoxicilline")
	h.WaitFor("the search results", func() bool {
		m := h.UI.Main
		if m.Rows() == 0 {
			return false
		}
		for i := 0; i < m.Rows(); i++ {
			if _, s := m.RowText(i); strings.Contains(s, "Sortie d'hospitalisation") {
				return false
			}
		}
		return true
	})
	h.UI.Main.Search.SetText("")
	h.WaitFor("the whole folder again", func() bool { return h.UI.Main.Rows() >= 5 })
}

func TestInactivityLocks(t *testing.T) {
	deps := env.Deps()
	settings := &config.Memory{}
	_ = settings.Save(config.Config{AutoLock: 300 * time.Millisecond})
	deps.Settings = settings
	h := apptest.New(t, deps)
	h.WaitFor("the card", func() bool { return !h.UI.Card.LoginButton.Disabled() })
	h.Login(demo.PIN)
	h.WaitText("Verrouillage après inactivité")
	if !h.UI.Locked() {
		t.Fatal("not locked after the inactivity delay")
	}
	h.Login(demo.PIN)
	h.WaitFor("unlocked", func() bool { return !h.UI.Locked() })
}

func TestDraftSavedAndReopened(t *testing.T) {
	h := start(t, cpstest.Titulaire.Label)
	openMail(t, h)
	test.Tap(h.UI.Main.NewButton)
	h.WaitFor("the composer", func() bool { return len(h.UI.Composers()) == 1 })
	c := h.UI.Composers()[0]
	c.To.SetText(sandbox.Seed(sandbox.DefaultDomain).Doctor)
	c.Subject.SetText("Brouillon : interaction médicamenteuse")
	c.Body.SetText("Docteur, à propos de l'ordonnance de M. Perrin…")
	test.Tap(c.SaveDraft)
	h.WaitText("Brouillon enregistré")
	h.WaitFor("the composer closed", func() bool { return len(h.UI.Composers()) == 0 })
	test.Tap(h.UI.Main.NewButton)
	h.WaitFor("the composer", func() bool { return len(h.UI.Composers()) == 1 })
	c = h.UI.Composers()[0]
	if c.Subject.Text != "Brouillon : interaction médicamenteuse" || !strings.Contains(c.Body.Text, "M. Perrin") {
		t.Fatalf("the draft was not reopened: %q / %q", c.Subject.Text, c.Body.Text)
	}
	// Emptied and saved, the draft is gone: the next message starts blank.
	c.To.SetText("")
	c.Subject.SetText("")
	c.Body.SetText("")
	test.Tap(c.SaveDraft)
	h.WaitFor("the composer closed", func() bool { return len(h.UI.Composers()) == 0 })
	test.Tap(h.UI.Main.NewButton)
	h.WaitFor("a blank composer", func() bool { return len(h.UI.Composers()) == 1 && h.UI.Composers()[0].Subject.Text == "" })
}

func TestRemainingTriesThenLockedCard(t *testing.T) {
	label := cpstest.Medecin.Label
	t.Cleanup(func() { env.Cards.Faults().Unblock(label) })
	h := start(t, label)
	wrong := func(want string) {
		t.Helper()
		h.Login("0000")
		h.WaitFor("«"+want+"»", func() bool { return strings.Contains(h.UI.Card.Error.Text, want) })
	}
	wrong("il reste peu d'essais")
	wrong("dernier essai, un nouveau code faux bloquera la carte")
	wrong("Votre carte CPS est bloquée")
	h.WaitText("code PUK")
	if !h.UI.Card.LoginButton.Disabled() {
		t.Fatal("the login button stays active on a locked card")
	}
}

func TestOutsideTrustSpaceNeedsConfirmation(t *testing.T) {
	if env.Trust == nil || env.Trust.Len() == 0 {
		t.Fatal("the sandbox published no trust-space list")
	}
	h := start(t, cpstest.Titulaire.Label)
	openMail(t, h)
	test.Tap(h.UI.Main.NewButton)
	h.WaitFor("the composer", func() bool { return len(h.UI.Composers()) == 1 })
	c := h.UI.Composers()[0]
	c.To.SetText("pharmacien.ami@exemple-messagerie.com")
	c.Subject.SetText("Test hors espace de confiance")
	c.Body.SetText("Ce message ne doit pas partir sans confirmation.")
	h.WaitText("● En ligne")
	outbox := h.UI.Main.Status.Outbox.Text
	test.Tap(c.Send)
	h.WaitFor("the trust-space warning", func() bool {
		return c.Warning != nil && apptest.Contains(apptest.WindowTexts(c.Window), "ne font pas partie de l'espace de confiance MSSanté : pharmacien.ami@exemple-messagerie.com")
	})
	if !apptest.Contains(apptest.WindowTexts(c.Window), "Envoyer quand même") {
		t.Fatal("no explicit confirmation button")
	}
	c.Warning.Hide()
	h.Drain()
	if got := h.UI.Main.Status.Outbox.Text; got != outbox || len(h.UI.Composers()) != 1 {
		t.Fatalf("the message left without confirmation (outbox %q, was %q)", got, outbox)
	}
}
