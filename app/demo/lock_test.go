package demo_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"comptoir/app"
	"comptoir/app/apptest"
	"comptoir/app/bridge"
	"comptoir/app/config"
	"comptoir/app/demo"
	"comptoir/cps/cpstest"
	"comptoir/mail/smtptest"
)

// apiLog records every request that reaches the sandbox operator's provisioning API.
type apiLog struct {
	mu   sync.Mutex
	reqs []string
}

func (l *apiLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		l.reqs = append(l.reqs, r.Method+" "+r.URL.Path)
		l.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

// mark is the number of requests so far; since lists the requests after a mark.
func (l *apiLog) mark() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.reqs)
}

func (l *apiLog) since(mark int) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.reqs[mark:])
}

// operator is what reached the demo world's provisioning API (set up in TestMain).
var operator = &apiLog{}

const lockedText = "La session est verrouillée : rien n'a été fait."

// A pulled card leaves nothing usable: every window closes (the composers' text kept as a
// draft), the main window's dialogs too, and the actions of every screen opened before the
// pull are refused in French. Nothing reaches the operator: the attack of the issue, making
// oneself Administrateur of the ORG BAL after the pharmacist left, gets nowhere.
func TestLockRefusesEveryWindowsActions(t *testing.T) {
	settings := &config.Memory{}
	h := startDeps(t, cpstest.Titulaire.Label, func(d *app.Deps) { d.Settings = settings })
	openMail(t, h)
	u := h.UI

	r := u.ShowRoles()
	if r == nil {
		t.Fatalf("the roles window did not open:\n%s", strings.Join(h.Visible(), "\n"))
	}
	h.WaitFor("the ORG BAL's members", func() bool { return len(r.Rows) > 0 })
	w := u.ShowBALWizard()
	p := u.ShowPatients()
	form := p.ShowForm(nil)
	ind := u.ShowIndicator()
	tpl := u.ShowTemplates()
	st := u.ShowSettings()
	an := u.ShowAnnuaire()
	test.Tap(u.Main.NewButton)
	h.WaitFor("a composer", func() bool { return len(u.Composers()) == 1 })
	c := u.Composers()[0]
	c.Subject.SetText("Commande pour Mme Roussel")
	u.ShowAbout()
	windows := map[string]fyne.Window{"Droits sur la BAL": r.Window, "assistant BAL": w.Window, "patients": p.Window,
		"fiche patient": form.Window, "indicateur": ind.Window, "modèles": tpl.Window, "paramètres": st.Window,
		"annuaire": an.Window, "composer": c.Window}

	env.Cards.Faults().Pull(cpstest.Titulaire.Label)
	t.Cleanup(func() { env.Cards.Faults().Insert(cpstest.Titulaire.Label) })
	h.WaitFor("the lock screen", func() bool { return u.Locked() && h.Shows("Comptoir est verrouillé") })
	pulled := operator.mark()
	open := h.A.Driver().AllWindows()
	for name, win := range windows {
		if slices.Contains(open, win) {
			t.Errorf("the %s window is still open on the lock screen", name)
		}
	}
	if n := len(u.Window.Canvas().Overlays().List()); n != 0 {
		t.Errorf("%d dialog(s) still over the lock screen", n)
	}
	const rolesItem = "Droits sur la BAL de l'officine…"
	if hasMenuItem(u.Window, rolesItem) {
		t.Errorf("the lock screen's menu still offers « %s »", rolesItem)
	}

	// Every action of the windows opened before the pull is refused, in French.
	refused := func(what string, l interface{ Visible() bool }, text string) {
		t.Helper()
		h.Drain()
		if !l.Visible() || !strings.Contains(text, lockedText) {
			t.Errorf("%s after the pull: shows %q, want « %s »", what, text, lockedText)
		}
	}
	r.ID.SetText(cpstest.Preparateur.NationalID)
	r.Name.SetText("Maxime LEBRETON")
	test.Tap(r.Add[app.RoleAdmin])
	refused("Ajouter comme Administrateur", r.Error, r.Error.Text)
	for _, row := range r.Rows {
		if row.Member.NationalID != cpstest.Preparateur.NationalID {
			continue
		}
		r.Error.Hide()
		test.Tap(row.Roles[app.RoleAdmin])
		refused("Administrateur (ligne du préparateur)", r.Error, r.Error.Text)
		r.Error.Hide()
		test.Tap(row.Remove)
		refused("Retirer (ligne du préparateur)", r.Error, r.Error.Text)
	}
	step := w.Step
	test.Tap(w.NextButton)
	refused("Suivant (assistant BAL)", w.Error, w.Error.Text)
	if w.Step != step {
		t.Errorf("the wizard moved from step %d to %d after the pull", step, w.Step)
	}
	form.INS.SetText("285046912304573")
	form.BirthName.SetText("ROUSSEL")
	test.Tap(form.Save)
	refused("Enregistrer (fiche patient)", form.Error, form.Error.Text)
	test.Tap(p.New)
	refused("Nouveau patient", p.Error, p.Error.Text)
	ind.Month.SetText("01/2026")
	ind.Count.SetText("1200")
	test.Tap(ind.SaveMonth)
	refused("Enregistrer (indicateur)", ind.Problems, ind.Problems.Text)
	test.Tap(tpl.Save)
	refused("Enregistrer (modèles)", tpl.Error, tpl.Error.Text)
	c.To.SetText(pharmacy)
	test.Tap(c.Send)
	refused("Envoyer", c.Error, c.Error.Text)
	st.IMAP.SetText("imap.ailleurs.example:143")
	test.Tap(st.Save)
	refused("Enregistrer (paramètres)", st.Results, st.Results.Text)
	if cfg, _ := settings.Load(); cfg.Operator.IMAP == "imap.ailleurs.example:143" {
		t.Error("the settings window opened before the pull saved a new IMAP server after it")
	}
	h.Drain()
	if got := operator.since(pulled); len(got) > 0 {
		t.Errorf("after the pull, the operator received %q", got)
	}

	// The composer's text is the BAL's draft at the next login.
	env.Cards.Faults().Insert(cpstest.Titulaire.Label)
	selectCard(h, cpstest.Titulaire.Label)
	h.Login(demo.PIN)
	h.WaitFor("unlocked", func() bool { return !u.Locked() && u.Main != nil })
	if !hasMenuItem(u.Window, rolesItem) {
		t.Errorf("after unlocking, the menu lacks « %s »", rolesItem)
	}
	test.Tap(u.Main.NewButton)
	h.WaitFor("the draft kept at the pull", func() bool {
		cs := u.Composers()
		return len(cs) == 1 && cs[0].Subject.Text == "Commande pour Mme Roussel"
	})
	d := u.Composers()[0]
	d.Subject.SetText("")
	test.Tap(d.SaveDraft) // leave no draft behind for other tests
}

// The settings that decide where the card signs and whom it trusts need an open session:
// on the card screen and the lock screen they are read-only with a French explanation, and
// saving keeps the saved values; « Tester la connexion » runs on the saved settings, never
// loading a module typed in the form. Once logged in they are editable.
func TestLockSettingsNeedASession(t *testing.T) {
	saved := config.Config{Module: env.Cards.ModulePath(), Operator: config.Operator{Domain: env.Sandbox.Domain(),
		IMAP: env.IMAP.Addr(), Submission: env.SMTP.Addr(), TrustStore: []string{env.Sandbox.TrustAnchorPath()}}}
	settings := &machineSettings{}
	_ = settings.Save(saved)
	h := startDeps(t, cpstest.Titulaire.Label, func(d *app.Deps) {
		d.Settings = settings
		d.Doctor = bridge.Doctor{} // loads the saved module path itself
	})
	u := h.UI
	evil := filepath.Join(t.TempDir(), "module-pirate.so")
	if err := os.WriteFile(evil, []byte("not a library"), 0o600); err != nil {
		t.Fatal(err)
	}
	readOnly := func(where string) {
		t.Helper()
		s := u.ShowSettings()
		defer func() {
			if slices.Contains(h.A.Driver().AllWindows(), s.Window) {
				s.Window.Close()
			}
		}()
		for name, dis := range map[string]bool{"IMAP": s.IMAP.Disabled(), "SMTP": s.SMTP.Disabled(), "domaine": s.Domain.Disabled(),
			"module PKCS#11": s.Module.Disabled(), "magasin de confiance": s.Trust.Disabled(), "verrouillage": s.AutoLock.Disabled()} {
			if !dis {
				t.Errorf("%s: the %s field can be changed", where, name)
			}
		}
		if s.Language.Disabled() {
			t.Errorf("%s: the language cannot be changed", where)
		}
		if !s.ReadOnly.Visible() || !strings.Contains(s.ReadOnly.Text, "ne se modifient qu'une fois connecté avec une carte CPS") {
			t.Errorf("%s: the read-only fields are not explained: %q", where, s.ReadOnly.Text)
		}
		// Even forced into the form, nothing protected is saved or loaded.
		s.Module.SetText(evil)
		s.IMAP.SetText("imap.ailleurs.example:143")
		test.Tap(s.Test)
		h.WaitFor("the checks", func() bool { return strings.Contains(s.Results.Text, "Annuaire Santé") })
		if strings.Contains(s.Results.Text, "module-pirate") || strings.Contains(s.Results.Text, "ailleurs") {
			t.Errorf("%s: « Tester la connexion » used the form:\n%s", where, s.Results.Text)
		}
		if !strings.Contains(s.Results.Text, "✔ Lecteurs de carte") {
			t.Errorf("%s: « Tester la connexion » did not use the saved module:\n%s", where, s.Results.Text)
		}
		test.Tap(s.Save)
		if c, _ := settings.Load(); c.Module != saved.Module || c.Operator.IMAP != saved.Operator.IMAP {
			t.Errorf("%s: saved module %q, IMAP %q", where, c.Module, c.Operator.IMAP)
		}
	}
	readOnly("before any login")

	openMail(t, h)
	s := u.ShowSettings()
	if s.IMAP.Disabled() || s.Module.Disabled() || s.Trust.Disabled() || s.AutoLock.Disabled() || s.ReadOnly.Visible() {
		t.Fatal("logged in, the settings are still read-only")
	}
	s.SMTP.SetText(env.SMTP.Addr() + " ")
	test.Tap(s.Save)
	if c, _ := settings.Load(); c.Operator.Submission != env.SMTP.Addr() {
		t.Fatalf("logged in, the saved SMTP is %q", c.Operator.Submission)
	}

	// The workstation's file locks the module: read-only even in a session, and said so.
	settings.lock(config.KeyModule)
	s = u.ShowSettings()
	if !s.Module.Disabled() || s.IMAP.Disabled() || !strings.Contains(s.ReadOnly.Text, "fixés par l'administrateur du poste") {
		t.Errorf("with the module fixed by the machine: module disabled %v, IMAP disabled %v, %q",
			s.Module.Disabled(), s.IMAP.Disabled(), s.ReadOnly.Text)
	}
	s.Module.SetText(evil)
	test.Tap(s.Save)
	if c, _ := settings.Load(); c.Module != saved.Module {
		t.Errorf("a module fixed by the machine was saved as %q", c.Module)
	}
	settings.lock()

	u.Lock("test")
	h.Drain()
	if slices.Contains(h.A.Driver().AllWindows(), s.Window) {
		t.Error("the settings window stays open on the lock screen")
	}
	readOnly("on the lock screen")
}

// hasMenuItem reports whether w's main menu has an item labelled label.
func hasMenuItem(w fyne.Window, label string) bool {
	for _, m := range w.MainMenu().Items {
		for _, it := range m.Items {
			if it.Label == label {
				return true
			}
		}
	}
	return false
}

// machineSettings is a configuration whose workstation file locks some keys (config.Files
// with the machine's layer in memory).
type machineSettings struct {
	config.Memory
	mu     sync.Mutex
	locked []string
}

func (m *machineSettings) lock(keys ...string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.locked = keys
}

func (m *machineSettings) LoadLayers() (config.Layered, error) {
	l, err := m.Memory.LoadLayers()
	m.mu.Lock()
	defer m.mu.Unlock()
	l.Locked = slices.Clone(m.locked)
	return l, err
}

// A lock never waits on the network: with a submission server that takes the message and
// never acknowledges it, the lock screen shows at once, and the engine (its workers, the
// stalled submission) has ended a moment later, the server seeing the client hang up.
func TestLockWhileTheServerStallsInDATA(t *testing.T) {
	// Its certificate names the sandbox's CRLs: the client refuses a server whose
	// revocation it cannot check.
	srvCert, err := env.PKI.ServerCertificateCRL(env.Sandbox.CRLURL())
	if err != nil {
		t.Fatal(err)
	}
	stall, err := smtptest.Start(srvCert)
	if err != nil {
		t.Fatal(err)
	}
	defer stall.Close()
	cfg := env.Bridge.Config()
	cfg.Servers.SMTPAddr = stall.Addr
	cfg.CacheDir = t.TempDir() // the message stuck in this outbox stays out of the shared cache
	cards := &lastSession{Cards: bridge.NewCards(bridge.Options{Module: env.Module, WatchEvery: 100 * time.Millisecond, Session: cfg})}
	h := startDeps(t, cpstest.Titulaire.Label, func(d *app.Deps) { d.Cards = cards })
	openMail(t, h)
	u := h.UI
	test.Tap(u.Main.NewButton)
	h.WaitFor("a composer", func() bool { return len(u.Composers()) == 1 })
	c := u.Composers()[0]
	c.To.SetText(pharmacy)
	c.Subject.SetText("Message que le serveur n'acquittera pas")
	c.Body.SetText("Bonjour.")
	test.Tap(c.Send)
	h.WaitFor("the message queued", func() bool { return len(u.Composers()) == 0 })
	select {
	case <-stall.Stalled():
	case <-time.After(60 * time.Second):
		t.Fatal("the message never reached the submission server")
	}
	s := cards.last()

	start := time.Now()
	u.Lock(u.T("lock.reason.user"))
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the lock took %v with a submission stalled", d)
	}
	if !h.Shows("Comptoir est verrouillé") || h.Shows("Boîte de réception") {
		t.Errorf("after the lock the window shows:\n%s", strings.Join(h.Visible(), "\n"))
	}
	select {
	case <-s.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("10 s after the lock the engine still runs (the stalled submission holds it)")
	}
	select {
	case <-stall.ClientGone():
	case <-time.After(5 * time.Second):
		t.Fatal("the stalled submission's connection stays open after the lock")
	}
}

// lastSession remembers the last session its cards opened.
type lastSession struct {
	*bridge.Cards
	mu sync.Mutex
	s  *bridge.Session
}

func (l *lastSession) Login(ctx context.Context, slot uint, pin []byte) (app.Session, error) {
	s, err := l.Cards.Login(ctx, slot, pin)
	var rc *app.RenewedCardError
	if errors.As(err, &rc) {
		afresh := rc.StartAfresh
		rc.StartAfresh = func(ctx context.Context) (app.Session, string, error) {
			s, aside, err := afresh(ctx)
			l.keep(s)
			return s, aside, err
		}
	}
	l.keep(s)
	return s, err
}

func (l *lastSession) keep(s app.Session) {
	if bs, ok := s.(*bridge.Session); ok {
		l.mu.Lock()
		l.s = bs
		l.mu.Unlock()
	}
}

func (l *lastSession) last() *bridge.Session {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.s
}

// selectCard waits for the card labelled label in a reader and selects it.
func selectCard(h *apptest.Harness, label string) {
	h.T.Helper()
	sel := h.UI.Card.Readers
	h.WaitFor("the card "+label, func() bool {
		for i, o := range sel.Options {
			if strings.Contains(o, label) {
				if sel.SelectedIndex() != i {
					sel.SetSelectedIndex(i)
				}
				return !h.UI.Card.LoginButton.Disabled()
			}
		}
		return false
	})
}

// A renewed card (same holder, new key) at the lock screen: instead of a raw "this cache
// belongs to another card", the card screen explains in French and offers to set the old
// cache aside; once accepted, the session opens on a fresh cache filled from the operator,
// and the old file is kept, renamed.
func TestLockRenewedCardStartsAfreshFromTheCardScreen(t *testing.T) {
	renewed := cpstest.Renewal(cpstest.Titulaire)
	if err := env.Cards.WriteCard(renewed); err != nil {
		t.Fatal(err)
	}
	env.Cards.Faults().Insert(renewed.Label)
	t.Cleanup(func() { env.Cards.Faults().Pull(renewed.Label) })
	cfg := env.Bridge.Config()
	cfg.CacheDir = t.TempDir() // the shared cache of the titulaire's first card stays hers
	cards := &lastSession{Cards: bridge.NewCards(bridge.Options{Module: env.Module, WatchEvery: 100 * time.Millisecond, Session: cfg})}
	h := startDeps(t, cpstest.Titulaire.Label, func(d *app.Deps) { d.Cards = cards })
	openMail(t, h)
	old := cards.last()
	path := old.Core().Store().Path()
	h.UI.Lock(h.UI.T("lock.reason.user"))
	<-old.Done()

	selectCard(h, renewed.Label)
	h.Login(demo.PIN)
	h.WaitFor("the renewed card's explanation", func() bool { return h.UI.Card.Renewal != nil })
	text := h.UI.Card.Renewal.Text.Text
	for _, want := range []string{"chiffré avec une autre carte", "ancienne carte", "boîte d'envoi", "mettre l'ancien cache de côté"} {
		if !strings.Contains(text, want) {
			t.Errorf("the explanation lacks %q:\n%s", want, text)
		}
	}
	if h.Shows("belongs to another card") || h.Shows("appartient à une autre carte") {
		t.Error("the raw error is shown")
	}
	test.Tap(h.UI.Card.Renewal.SetAside)
	h.WaitFor("the fresh session", func() bool { return !h.UI.Locked() && h.Shows("Boîte de réception") })
	h.WaitText("L'ancien cache a été mis de côté")
	aside, _ := filepath.Glob(path + ".ancienne-carte-*")
	if len(aside) != 1 {
		t.Fatalf("files set aside: %q", aside)
	}
	if s := cards.last(); s == old || s.Core().Store().Path() != path {
		t.Fatal("the session did not open on a fresh cache in the holder's place")
	}
	h.WaitFor("the mail reloaded from the operator", func() bool { return h.UI.Main.Rows() > 0 })
}
